// Access-request tasks (C1's TaskService, TaskActionsService, TaskSearchService, TaskAudit):
// creating grant and revoke tasks, reading them, and acting on their steps. Every write is one
// transaction holding the task row FOR UPDATE; the engine (engine.ts) decides the steps.

import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import type { Caller } from '../../http/routes.ts';
import { recordCreated } from '../../lib/activity.ts';
import { failedPrecondition, invalidArgument, notFound, permissionDenied } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import type { AppUsersService } from '../app-users/service.ts';
import type { AppsService } from '../apps/service.ts';
import type { CatalogsService } from '../catalogs/service.ts';
import type { EntitlementsService } from '../entitlements/service.ts';
import type { GrantsService } from '../grants/service.ts';
import type { OwnersService } from '../owners/service.ts';
import { DEFAULT_GRANT_POLICY, DEFAULT_REVOKE_POLICY } from '../policies/builtin.ts';
import { celEvaluate } from '../policies/cel.ts';
import type { PoliciesService } from '../policies/service.ts';
import type { UsersService } from '../users/service.ts';
import type { InstanceRow, Outcome, WebhooksService } from '../webhooks/service.ts';
import { Engine, Run, selectSteps } from './engine.ts';
import { MoreTaskActions } from './more-actions.ts';
import type { CreateGrantTaskRequest, CreateRevokeTaskRequest, SearchTasksRequest, Task } from './schemas.ts';
import * as store from './store.ts';
import { actsOnAll, canRead, celVars, isApprover, mayClose, toAudit, toTask } from './views.ts';
import { WebhookSteps } from './webhook-steps.ts';
import { TaskWorker } from './worker.ts';

export type TaskDeps = {
  /** The worker's claim on a due task (config taskLeaseMs). */
  leaseMs?: number;
  users: UsersService;
  owners: OwnersService;
  grants: GrantsService;
  apps: AppsService;
  entitlements: EntitlementsService;
  appUsers: AppUsersService;
  policies: PoliciesService;
  catalogs: CatalogsService;
  webhooks: WebhooksService;
};

/** For the request catalogs' bundles: the caller's transaction, and a policy replacing the entitlement's. */
export type CreateOptions = { tx?: Db; policyId?: string };

type Kind = 'grant' | 'revoke';
type CreateInput = CreateGrantTaskRequest | (CreateRevokeTaskRequest & Partial<CreateGrantTaskRequest>);

/** A proto Duration's whole seconds ("3600s", "1.5s" → 1). */
const seconds = (d: string) => Math.floor(Number(d.slice(0, -1)));

export class TasksService {
  readonly engine: Engine;
  readonly worker: TaskWorker;
  readonly more: MoreTaskActions;
  readonly leaseMs: number | undefined;

  constructor(
    private readonly db: Db,
    private readonly d: TaskDeps,
  ) {
    const steps = new WebhookSteps(d);
    this.engine = new Engine(d, (run) => this.provision(run), steps);
    this.worker = new TaskWorker(db, this, d);
    this.more = new MoreTaskActions(this);
    for (const kind of ['approvalStep', 'provisionStep'] as const) {
      d.webhooks.onOutcome(kind, (tx, inst, outcome) => this.webhookOutcome(steps, tx, inst, outcome));
      d.webhooks.onPayload(kind, async (tenantId, taskId) => {
        const row = await store.getTask(this.db, tenantId, taskId);
        return row ? steps.payload(d as never, tenantId, taskId, row) : {};
      });
    }
    this.leaseMs = d.leaseMs;
  }

  /** A webhook answered a step of a task (webhook-steps.ts), in the transaction recording the answer. */
  private async webhookOutcome(steps: WebhookSteps, tx: Db, inst: InstanceRow, outcome: Outcome): Promise<void> {
    const source = Object.values(inst.source)[0] as { ticketId?: string } | undefined;
    const row = source?.ticketId ? await store.getTask(tx, inst.tenantId, source.ticketId, true) : undefined;
    if (!row) return;
    const run = await this.runFor(tx, row, undefined);
    if (!(await steps.apply(run, this.engine, inst, outcome))) return;
    await store.updateTask(tx, row.tenantId, row.id, run.changes());
    await store.insertAudits(tx, run.audits);
  }

  createGrant(tenantId: string, req: CreateGrantTaskRequest, caller: Caller, opts?: CreateOptions): Promise<Task> {
    return this.create(tenantId, 'grant', req, caller, opts);
  }

  createRevoke(tenantId: string, req: CreateRevokeTaskRequest, caller: Caller, opts?: CreateOptions): Promise<Task> {
    return this.create(tenantId, 'revoke', req, caller, opts);
  }

  async get(tenantId: string, ref: string, caller: Caller): Promise<Task> {
    const row = await store.getTask(this.db, tenantId, ref);
    // A task the caller may not see answers as one that does not exist.
    if (!row || !canRead(row, caller)) throw notFound('task');
    return this.view(this.db, row, caller);
  }

  async search(tenantId: string, req: SearchTasksRequest, page: PageRequest, caller: Caller): Promise<Page<Task>> {
    const kinds = req.taskTypes?.flatMap((t) => Object.keys(t).filter((k) => t[k as keyof typeof t] !== undefined));
    const states = req.taskStates?.filter((s) => s !== 'TASK_STATE_UNSPECIFIED');
    const approvers = [...(req.assigneesInIds ?? []), ...(req.myWorkUserIds ?? [])];
    const emergency = req.emergencyStatus === 'EMERGENCY' ? true : req.emergencyStatus === 'NON_EMERGENCY' ? false : undefined;
    const outcomes = [...(req.grantOutcomes ?? []), ...(req.revokeOutcomes ?? [])].filter((o) => !o.endsWith('_UNSPECIFIED'));
    const rows = await store.listTasks(
      this.db,
      tenantId,
      {
        states: states?.length ? states : undefined,
        // Certify and offboarding tasks do not exist in Gatehouse: asking only for them finds none.
        kinds: kinds?.length ? kinds : undefined,
        approverIds: approvers.length ? approvers : undefined,
        openerIds: req.openerIds,
        subjectIds: req.subjectIds,
        entitlementIds: req.appEntitlementIds,
        appIds: req.applicationIds,
        createdAfter: req.createdAfter ? new Date(req.createdAfter) : undefined,
        createdBefore: req.createdBefore ? new Date(req.createdBefore) : undefined,
        outcomes: outcomes.length ? outcomes : undefined,
        outcomeAfter: req.outcomeAfter ? new Date(req.outcomeAfter) : undefined,
        outcomeBefore: req.outcomeBefore ? new Date(req.outcomeBefore) : undefined,
        excludeAppIds: req.excludeApplicationIds,
        emergency,
        ids: req.refs?.map((r) => r.id),
        excludeIds: req.excludeIds,
        query: req.query,
        // Set for callers without tasks:read (authorization.ts narrows them to their own).
        visibleTo: caller.ownOnly,
      },
      page,
    );
    const p = toPage(rows, page.size, (r) => r.id);
    const counts = await store.commentCounts(
      this.db,
      tenantId,
      p.list.map((r) => r.id),
    );
    const escalable = await this.emergencyOk(this.db, tenantId, p.list);
    return {
      list: p.list.map((r) => toTask(r, caller, counts.get(r.id) ?? 0, escalable.has(r.appEntitlementId))),
      nextPageToken: p.nextPageToken,
    };
  }

  async audits(tenantId: string, taskId: string | undefined, ids: string[] | undefined, page: PageRequest, caller: Caller) {
    const row = taskId ? await store.getTask(this.db, tenantId, taskId) : undefined;
    // A list: an unknown task, or one the caller may not see, has no entries for them.
    if (!row || !canRead(row, caller)) return { list: [], nextPageToken: '' };
    const rows = await store.listAudits(this.db, tenantId, row.id, ids, page);
    const p = toPage(rows, page.size, (r) => String(r.seq));
    return { list: p.list.map(toAudit), nextPageToken: p.nextPageToken };
  }

  comment(tenantId: string, ref: string, comment: string | undefined, caller: Caller) {
    if (!comment?.trim()) throw invalidArgument('comment: is required');
    return this.change(tenantId, ref, caller, async (run) => {
      run.audit({ comment: commentEvent(comment, caller) });
      return true;
    });
  }

  /** Cancels an open task (C1's Close): the requester, the subject or an administrator of requests. */
  close(tenantId: string, ref: string, comment: string | undefined, caller: Caller) {
    return this.change(tenantId, ref, caller, async (run) => {
      if (run.row.state !== 'TASK_STATE_OPEN') throw failedPrecondition('task is already closed');
      if (!mayClose(run.row, caller))
        throw permissionDenied('only the requester, the subject or an administrator may close a task');
      if (comment?.trim()) run.audit({ comment: commentEvent(comment, caller) });
      this.engine.close(run, 'cancelled');
      return true;
    });
  }

  /** Replaces the current approval step's approvers. */
  reassign(tenantId: string, ref: string, stepId: string, userIds: string[], comment: string | undefined, caller: Caller) {
    return this.change(tenantId, ref, caller, async (run) => {
      const cur = run.current;
      if (run.row.state !== 'TASK_STATE_OPEN' || !cur?.approval || cur.id !== stepId) {
        throw failedPrecondition(`policyStepId: ${stepId} is not the task's current approval step`);
      }
      const a = cur.approval.approval;
      // Administrators of requests may always reassign; the step's approvers when the approval allows it.
      if (!actsOnAll(caller)) {
        if (!isApprover(run.row, caller)) throw permissionDenied("only the step's approvers or an administrator may reassign it");
        if (!a?.allowReassignment) throw failedPrecondition('this approval step does not allow reassignment');
        const allowed = a.allowedReassignees ?? [];
        const outside = userIds.find((u) => allowed.length > 0 && !allowed.includes(u));
        if (outside) throw invalidArgument(`newStepUserIds: user "${outside}" is not among the step's allowedReassignees`);
      }
      if (a?.requireReassignmentReason && !comment?.trim())
        throw invalidArgument('comment: this step requires a reason to reassign');
      const users = await this.d.users.requireAll(run.row.tenantId, userIds, 'newStepUserIds', run.tx);
      const off = users.find((u) => u.status !== 'ENABLED');
      if (off) throw invalidArgument(`newStepUserIds: user "${off.id}" is not enabled`);
      run.audit({ approvalReassigned: { oldPolicyStepId: stepId, newPolicyStepId: stepId } });
      if (comment?.trim()) run.audit({ comment: commentEvent(comment, caller) });
      run.set.stepApproverIds = users.map((u) => u.id);
      cur.approverIds = [...new Set([...(cur.approverIds ?? []), ...users.map((u) => u.id)])];
      return true;
    });
  }

  /** Locks the task, lets `act` change it through a Run, writes the row and audits when it did, answers the task. */
  async change(tenantId: string, ref: string, caller: Caller, act: (run: Run) => Promise<boolean>): Promise<Task> {
    return this.db.transaction(async (tx) => {
      const row = await store.getTask(tx, tenantId, ref, true);
      if (!row || !canRead(row, caller)) throw notFound('task');
      const run = await this.runFor(tx, row, caller.userId);
      if (!(await act(run))) return this.view(tx, row, caller);
      const updated = await store.updateTask(tx, tenantId, row.id, run.changes());
      await store.insertAudits(tx, run.audits);
      return this.view(tx, updated, caller);
    });
  }

  /** A policy of the task's tenant, read in the run's transaction. */
  policy(run: Run, id: string) {
    return this.d.policies.get(run.row.tenantId, id, run.tx);
  }

  async runFor(tx: Db, row: store.TaskRow, actorId: string | undefined): Promise<Run> {
    const entitlement = await this.d.entitlements.rowsByIds(row.tenantId, [row.appEntitlementId], tx);
    const ent = entitlement.get(row.appEntitlementId);
    const subject = await this.d.users.byIds(row.tenantId, [row.identityUserId], tx);
    const s = subject.get(row.identityUserId);
    // The engine needs both only to start an approval step; a task whose entitlement or subject is
    // gone can still be commented on, cancelled or decided (its provision step then ends in error).
    const managers = s?.managerIds?.length ? [...(await this.d.users.byIds(row.tenantId, s.managerIds, tx)).values()] : [];
    const ctx = ent && s ? { entitlement: ent, subject: s, celVars: celVars(row, s, managers, ent) } : undefined;
    return new Run(tx, row, actorId, ctx);
  }

  async view(db: Db, row: store.TaskRow, caller: Caller): Promise<Task> {
    const counts = await store.commentCounts(db, row.tenantId, [row.id]);
    const emergency = await this.emergencyOk(db, row.tenantId, [row]);
    return toTask(row, caller, counts.get(row.id) ?? 0, emergency.has(row.appEntitlementId));
  }

  /** Entitlements of these tasks that an open grant task could escalate to (emergency access with its policy). */
  private async emergencyOk(db: Db, tenantId: string, rows: store.TaskRow[]): Promise<Set<string>> {
    const ids = rows
      .filter((r) => r.state === 'TASK_STATE_OPEN' && r.kind === 'grant' && !r.emergencyAccess)
      .map((r) => r.appEntitlementId);
    if (ids.length === 0) return new Set();
    const ents = await this.d.entitlements.rowsByIds(tenantId, [...new Set(ids)], db);
    return new Set([...ents.values()].filter((e) => e.emergencyGrantEnabled && e.emergencyGrantPolicyId).map((e) => e.id));
  }

  private async create(tenantId: string, kind: Kind, given: CreateInput, caller: Caller, opts?: CreateOptions): Promise<Task> {
    // "" stands for "not set" (C1's CLI sends empty strings for what it does not know).
    const req = {
      ...given,
      identityUserId: given.identityUserId || undefined,
      appUserId: given.appUserId || undefined,
      grantDuration: given.grantDuration || undefined,
    };
    const durationSeconds = kind === 'grant' && req.grantDuration ? seconds(req.grantDuration) : undefined;
    if (durationSeconds === 0) throw invalidArgument('grantDuration: must be at least one second');
    return (opts?.tx ?? this.db).transaction(async (tx) => {
      const app = await this.d.apps.requireRow(tenantId, req.appId, tx);
      if (!app.isManuallyManaged)
        throw failedPrecondition(`app ${req.appId} is not manually managed: Gatehouse provisions only manually managed apps`);
      const ent = await this.d.entitlements.requireRow(tenantId, req.appId, req.appEntitlementId, tx);
      const subjectId = await this.subjectOf(tx, tenantId, req);
      const subject = await this.d.users.get(tenantId, subjectId, tx);
      // Who may ask for what is the request catalogs' rule (catalogs/service.ts); a revoke without
      // tasks:request_others only for oneself (authorization.ts narrows).
      const via = kind === 'grant' ? await this.d.catalogs.checkRequest(tx, tenantId, ent.id, subject, caller) : undefined;
      if (kind === 'revoke' && caller.ownOnly && subjectId !== caller.ownOnly) {
        throw permissionDenied('missing permission tasks:request_others: you may request access only for yourself');
      }
      // Access is not granted to a disabled user; it may still be revoked from one.
      if (kind === 'grant' && subject.status !== 'ENABLED') throw failedPrecondition(`user ${subjectId} is not enabled`);
      if (durationSeconds && ent.durationGrantSeconds && durationSeconds > ent.durationGrantSeconds) {
        throw invalidArgument('grantDuration: grant duration must be less than or equal to max provision time');
      }
      const emergency = kind === 'grant' && req.emergencyAccess === true;
      if (emergency && !ent.emergencyGrantEnabled) {
        throw failedPrecondition(`emergencyAccess: entitlement ${ent.id} does not allow emergency access`);
      }
      const policyId = opts?.policyId ?? policyIdFor(kind, app, ent, emergency, via?.grantPolicyId);
      const policy = await this.d.policies.get(tenantId, policyId, tx);
      const heldBy = await this.d.grants.heldBy(tenantId, app.id, ent.id, subjectId, tx);
      const managers = subject.managerIds?.length
        ? [...(await this.d.users.byIds(tenantId, subject.managerIds, tx)).values()]
        : [];
      const now = new Date();
      const base = {
        tenantId,
        id: newId(),
        numericId: await store.nextNumericId(tx, tenantId),
        kind,
        state: 'TASK_STATE_OPEN',
        appId: app.id,
        appEntitlementId: ent.id,
        identityUserId: subjectId,
        appUserId: heldBy ?? req.appUserId ?? null,
        createdByUserId: caller.userId ?? null,
        displayName: `${kind === 'grant' ? 'Grant' : 'Revoke'} ${ent.displayName ?? ent.id} ${kind === 'grant' ? 'to' : 'from'} ${subject.displayName ?? subject.email ?? subject.id}`,
        description: req.description ?? null,
        origin: 'TASK_ORIGIN_API',
        emergencyAccess: emergency,
        grantDurationSeconds: durationSeconds ?? null,
        requestData: req.requestData ?? null,
        source: kind === 'grant' && req.source ? req.source : null,
        stepApproverIds: [] as string[],
        createdAt: now,
        updatedAt: now,
      };
      const vars = celVars(base, subject, managers, ent);
      const chosen = selectSteps(policy, kind, (text) => celEvaluate(text, vars));
      const row = {
        ...base,
        outcome: null,
        outcomeAt: null,
        dueAt: null,
        leaseUntil: null,
        // A copy: the engine shifts `next`, and the snapshot's policy must keep every step.
        policy: { policy, next: structuredClone(chosen.steps), history: [] },
      } as store.TaskRow;
      const run = new Run(tx, row, caller.userId, { entitlement: ent, subject, celVars: vars });
      run.audit({ taskCreated: {} });
      run.note(`policy "${policy.displayName}" (${policy.id}), steps "${chosen.key}"`);
      for (const n of chosen.notes) run.note(n);
      const has = kind === 'grant' ? heldBy !== undefined : heldBy === undefined;
      if (has) {
        // Nothing to do: the user already has (or, for a revoke, already lacks) the access.
        run.note(
          kind === 'grant'
            ? 'the user already has this access: no new grant'
            : 'the user does not hold this access: nothing to revoke',
        );
        this.engine.close(run, 'done');
      } else await this.engine.advance(run);
      const inserted = await store.insertTask(tx, { ...row, ...run.changes() });
      await store.insertAudits(tx, run.audits);
      recordCreated('task', inserted.id);
      return this.view(tx, inserted, caller);
    });
  }

  /** The identity user a request is for: `identityUserId`, or the owner of `appUserId`; both must agree. */
  private async subjectOf(tx: Db, tenantId: string, req: CreateInput): Promise<string> {
    let fromAccount: string | undefined;
    if (req.appUserId) {
      const account = await this.d.appUsers.requireRow(tenantId, req.appId, req.appUserId, tx);
      if (!account.identityUserId) throw invalidArgument(`appUserId: account ${req.appUserId} has no identity user`);
      fromAccount = account.identityUserId;
    }
    if (req.identityUserId && fromAccount && req.identityUserId !== fromAccount) {
      throw invalidArgument(`appUserId: account ${req.appUserId} belongs to another user than identityUserId`);
    }
    const id = req.identityUserId ?? fromAccount;
    if (!id) throw invalidArgument('identityUserId: identityUserId or appUserId is required');
    return id;
  }

  /** The provision step: records or removes the grant (manually managed apps). */
  private async provision(run: Run): Promise<void> {
    const { row, tx } = run;
    if (row.kind === 'grant') {
      const until = row.grantDurationSeconds ? new Date(Date.now() + row.grantDurationSeconds * 1000) : undefined;
      const r = await this.d.grants.grantInTx(tx, row.tenantId, row.appId, row.appEntitlementId, row.identityUserId, until);
      run.set.appUserId = r.appUserId;
    } else {
      await this.d.grants.revokeInTx(tx, row.tenantId, row.appId, row.appEntitlementId, row.identityUserId);
    }
  }
}

/**
 * The entitlement's policy for the kind, else (a grant) its request catalog's, else the app's, else
 * the built-in one; emergency access first its own.
 */
function policyIdFor(
  kind: Kind,
  app: { grantPolicyId: string | null; revokePolicyId: string | null },
  ent: { grantPolicyId: string | null; revokePolicyId: string | null; emergencyGrantPolicyId: string | null },
  emergency: boolean,
  catalogPolicyId: string | undefined,
): string {
  if (kind === 'revoke') return ent.revokePolicyId ?? app.revokePolicyId ?? DEFAULT_REVOKE_POLICY.id;
  const own = (emergency ? ent.emergencyGrantPolicyId : null) ?? ent.grantPolicyId;
  return own ?? catalogPolicyId ?? app.grantPolicyId ?? DEFAULT_GRANT_POLICY.id;
}

function commentEvent(comment: string, caller: Caller) {
  return { comment: comment.trim(), updatedAt: new Date().toISOString(), updatedBy: caller.userId };
}
