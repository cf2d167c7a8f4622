// The engine's background work, run by the periodic sweep on every server: due tasks (waits,
// escalations, manual provision checks), time-revoke records of expired grants, and manual
// provision steps completed by add-manual-user.
//
// Claiming: a pass leases due tasks with FOR UPDATE SKIP LOCKED (store.claimDue), so servers on
// one database take different tasks; then each task's step change runs in its own transaction
// that locks the row, re-checks it is still open and due, changes it and clears the lease. The
// lease is committed before the step runs: a server that dies mid-step leaves the task with its
// last committed state and a lease that expires, after which any server takes it again (the
// step's writes, grant included, commit with the new state or not at all).
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { type Activity, record, runActivity } from '../../lib/activity.ts';
import type { EndedGrant } from '../grants/writes.ts';
import type { TasksService } from './service.ts';
import * as store from './store.ts';

/** Small: a pass's claims are leased together, so a server that dies holds few tasks back. */
const CLAIM_BATCH = 10;
/** Longer than any step change takes; a dead server's tasks wait this long before another takes them. */
export const LEASE_MS = 30_000;

export class TaskWorker {
  constructor(
    private readonly db: Db,
    private readonly tasks: TasksService,
    private readonly deps: Pick<import('./service.ts').TaskDeps, 'users' | 'entitlements'>,
  ) {}

  /** One pass: every task due now, each once (a condition wait is due again at once, so the pass ends at its start time). */
  async runDue(leaseMs = LEASE_MS): Promise<number> {
    const start = new Date();
    let changed = 0;
    const failures: Error[] = [];
    for (let round = 0; round < 100; round++) {
      const claimed = await store.claimDue(this.db, CLAIM_BATCH, leaseMs, start);
      for (const t of claimed) {
        // One task failing must not hold up the others; its lease expires and a later pass retries it.
        try {
          // The engine is its own actor in the system log (the task's step change is its event).
          const engine: Activity = { tenantId: t.tenantId, actor: { kind: 'system' }, operation: 'gatehouse.TaskEngine.Step' };
          if (await runActivity(engine, () => this.step(t.tenantId, t.id))) changed++;
        } catch (err) {
          failures.push(err as Error);
        }
      }
      if (claimed.length < CLAIM_BATCH) break;
    }
    if (failures.length > 0) throw new Error(`${failures.length} task(s) failed; first: ${failures[0].message}`);
    return changed;
  }

  /** The step change of one claimed task, in its own transaction; the lease ends with it. */
  async step(tenantId: string, id: string, actorId?: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const row = await store.getTask(tx, tenantId, id, true);
      if (!row) return false;
      if (row.state !== 'TASK_STATE_OPEN' || !row.dueAt || row.dueAt.getTime() > Date.now()) {
        await store.updateTask(tx, tenantId, id, { leaseUntil: null });
        return false;
      }
      const run = await this.tasks.runFor(tx, row, actorId);
      const changed = await this.tasks.engine.tick(run, actorId);
      await store.updateTask(tx, tenantId, id, { ...run.changes(), leaseUntil: null });
      await store.insertAudits(tx, run.audits);
      if (changed) record({ activity: 'update', targets: [{ type: 'task', id }] });
      return changed;
    });
  }

  /** After add-manual-user: the waiting manual provision steps of those users on that entitlement complete. */
  async manualGranted(tenantId: string, _appId: string, entitlementId: string, userIds: string[], actorId?: string) {
    const ids = await store.waitingManual(this.db, tenantId, entitlementId, userIds);
    for (const id of ids) {
      await this.db.transaction(async (tx) => {
        const row = await store.getTask(tx, tenantId, id, true);
        if (row?.state !== 'TASK_STATE_OPEN') return;
        const run = await this.tasks.runFor(tx, row, actorId);
        const cur = run.current;
        if (cur?.provision?.state !== 'PROVISION_INSTANCE_STATE_WAITING') return;
        if (!(await this.tasks.engine.tick(run, actorId))) return;
        await store.updateTask(tx, tenantId, id, { ...run.changes(), leaseUntil: null });
        await store.insertAudits(tx, run.audits);
        record({ activity: 'update', targets: [{ type: 'task', id }] });
      });
    }
  }

  /**
   * Inside the sweep's transaction: one closed revoke task per ended grant (origin TIME_REVOKE,
   * `source.expired`), so the history shows why access ended. A constant number of statements per batch.
   */
  async recordExpired(tx: Db, tenantId: string, appId: string, ended: EndedGrant[]): Promise<void> {
    const ents = await this.deps.entitlements.rowsByIds(tenantId, [...new Set(ended.map((g) => g.entitlementId))], tx);
    const users = await this.deps.users.byIds(tenantId, [...new Set(ended.map((g) => g.identityUserId))], tx);
    const first = await store.reserveNumericIds(tx, tenantId, ended.length);
    const now = new Date();
    const rows: store.NewTaskRow[] = [];
    const audits: store.NewAuditRow[] = [];
    ended.forEach((g, i) => {
      const id = newId();
      const ent = ents.get(g.entitlementId);
      const user = users.get(g.identityUserId);
      const expiredAt = g.deprovisionAt.toISOString();
      rows.push({
        tenantId,
        id,
        numericId: first + i,
        kind: 'revoke',
        state: 'TASK_STATE_CLOSED',
        outcome: 'REVOKE_OUTCOME_REVOKED',
        outcomeAt: now,
        appId,
        appEntitlementId: g.entitlementId,
        identityUserId: g.identityUserId,
        appUserId: g.appUserId,
        createdByUserId: null,
        displayName: `Revoke ${ent?.displayName ?? g.entitlementId} from ${user?.displayName ?? user?.email ?? g.identityUserId}`,
        description: `access ended at ${expiredAt} (time-bound grant)`,
        origin: 'TASK_ORIGIN_TIME_REVOKE',
        source: { expired: { expiredAt } },
        policy: {
          next: [],
          history: [
            {
              id: newId(),
              state: 'POLICY_STEP_STATE_DONE',
              provision: { state: 'PROVISION_INSTANCE_STATE_DONE', completed: { completedAt: now.toISOString() } },
            },
          ],
        },
        createdAt: now,
        updatedAt: now,
      });
      const audit = (event: Record<string, unknown>, state = 'TASK_STATE_OPEN') =>
        audits.push({ tenantId, id: newId(), taskId: id, state, event });
      audit({ taskCreated: {} });
      audit({ policyEvaluationStep: { stepComment: `the grant ended at ${expiredAt}: revoked by the expiry sweep` } });
      audit({ stateChange: { previousState: 'TASK_STATE_OPEN' } }, 'TASK_STATE_CLOSED');
      audit({ revokeOutcome: { outcome: 'REVOKE_OUTCOME_REVOKED' } }, 'TASK_STATE_CLOSED');
    });
    await store.insertTasks(tx, rows);
    await store.insertAudits(tx, audits);
  }
}
