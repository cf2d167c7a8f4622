// Who approves an approval step, decided when the step starts (C1 resolves approvers then too):
// the kind's users, less disabled ones, with delegates in place of those who delegated, less the
// requester unless the approval allows self-approval, less earlier approvers when it requires
// distinct ones. No one left: the approval's fallback users when `fallback` is set, else the
// tenant's Super Administrators (someone must be able to act on every task).
import type { Db } from '../../db/index.ts';
import type { EntitlementRow } from '../entitlements/service.ts';
import type { GrantsService } from '../grants/service.ts';
import type { OwnersService } from '../owners/service.ts';
import { celEvaluate } from '../policies/cel.ts';
import type { Approval } from '../policies/schemas.ts';
import { APPROVAL_KINDS } from '../policies/validate.ts';
import { roleByKey } from '../roles/builtin.ts';
import type { User } from '../users/schemas.ts';
import type { UsersService } from '../users/service.ts';

export type ApproverDeps = { users: UsersService; owners: OwnersService; grants: GrantsService };

export type ApproverContext = {
  tx: Db;
  tenantId: string;
  appId: string;
  entitlement: EntitlementRow;
  subject: User;
  requesterId?: string;
  /** The CEL variables of expression approvals. */
  celVars: Parameters<typeof celEvaluate>[1];
  /** Who approved earlier steps of the task (requireDistinctApprovers). */
  earlierApproverIds: string[];
};

export type Resolution = {
  approverIds: string[];
  /** Approvers replaced by their delegates. */
  delegated: { from: string; to: string }[];
  /** Why the list is what it is when not the kind's own users (for the audit). */
  notes: string[];
};

type KindOptions = {
  allowSelfApproval?: boolean;
  fallback?: boolean;
  fallbackUserIds?: string[];
  requireDistinctApprovers?: boolean;
};

type Kind = (typeof APPROVAL_KINDS)[number];

export function approvalKind(a: Approval): Kind | undefined {
  return APPROVAL_KINDS.find((k) => a[k] !== undefined);
}

async function ownersOf(deps: ApproverDeps, ctx: ApproverContext, kind: 'app' | 'entitlement' | 'resource', id: string) {
  const map = await deps.owners.usersOf(kind, ctx.tenantId, [id], ctx.tx);
  return (map.get(id) ?? []).map((u) => u.id);
}

/** The kind's users before any filtering. */
async function candidates(deps: ApproverDeps, a: Approval, kind: Kind, ctx: ApproverContext, notes: string[]): Promise<string[]> {
  switch (kind) {
    case 'users':
      return a.users?.userIds ?? [];
    case 'manager':
      return ctx.subject.managerIds ?? [];
    case 'appOwners':
      return ownersOf(deps, ctx, 'app', ctx.appId);
    case 'entitlementOwners':
      return ownersOf(deps, ctx, 'entitlement', ctx.entitlement.id);
    case 'resourceOwners':
      return ctx.entitlement.appResourceId ? ownersOf(deps, ctx, 'resource', ctx.entitlement.appResourceId) : [];
    case 'self':
      return [ctx.subject.id];
    case 'group':
      return a.group?.appGroupId ? deps.grants.holderIds(ctx.tenantId, [a.group.appGroupId], ctx.tx) : [];
    case 'expression': {
      const ids: string[] = [];
      for (const text of a.expression?.expressions ?? []) {
        const r = celEvaluate(text, ctx.celVars);
        if (r.error !== undefined) {
          notes.push(`expression "${text}" failed: ${r.error}`);
          continue;
        }
        const values = Array.isArray(r.value) ? r.value : [r.value];
        for (const v of values) if (typeof v === 'string' && v !== '') ids.push(v);
      }
      return ids;
    }
    case 'webhook':
      // A webhook decides (webhook-steps.ts), not people.
      return [];
  }
}

/** Enabled users of the tenant among `ids`, each replaced by their enabled delegate if they have one. */
async function usable(deps: ApproverDeps, ctx: ApproverContext, ids: string[], delegated: Resolution['delegated']) {
  const found = await deps.users.byIds(ctx.tenantId, ids, ctx.tx);
  const delegateIds = [...found.values()].map((u) => u.delegatedUserId).filter((d): d is string => !!d);
  const delegates = delegateIds.length ? await deps.users.byIds(ctx.tenantId, delegateIds, ctx.tx) : new Map<string, User>();
  const out: string[] = [];
  for (const id of new Set(ids)) {
    const u = found.get(id);
    if (u?.status !== 'ENABLED') continue;
    const d = u.delegatedUserId ? delegates.get(u.delegatedUserId) : undefined;
    if (d && d.status === 'ENABLED' && d.id !== u.id) {
      delegated.push({ from: u.id, to: d.id });
      out.push(d.id);
    } else out.push(u.id);
  }
  return [...new Set(out)];
}

export async function resolveApprovers(deps: ApproverDeps, a: Approval, ctx: ApproverContext): Promise<Resolution> {
  const kind = approvalKind(a);
  const notes: string[] = [];
  const delegated: Resolution['delegated'] = [];
  if (!kind) return { approverIds: await superAdmins(deps, ctx), delegated, notes: ['approval has no kind'] };
  const opts = (a[kind] ?? {}) as KindOptions;
  // A self approval is the subject approving their own request: self-approval is its point.
  const selfAllowed = kind === 'self' || opts.allowSelfApproval === true;
  const keep = (ids: string[]) =>
    ids.filter(
      (id) => (selfAllowed || id !== ctx.requesterId) && !(opts.requireDistinctApprovers && ctx.earlierApproverIds.includes(id)),
    );
  let ids = keep(await usable(deps, ctx, await candidates(deps, a, kind, ctx, notes), delegated));
  if (ids.length === 0 && opts.fallback && opts.fallbackUserIds?.length) {
    notes.push('no approver found: fallback users assigned');
    ids = keep(await usable(deps, ctx, opts.fallbackUserIds, delegated));
  }
  if (ids.length === 0) {
    notes.push('no approver found: Super Administrators assigned');
    ids = await superAdmins(deps, ctx);
  }
  return { approverIds: ids, delegated: delegated.filter((d) => ids.includes(d.to)), notes };
}

/** The tenant's enabled Super Administrators, the requester last resort only when they are the only one. */
async function superAdmins(deps: ApproverDeps, ctx: ApproverContext): Promise<string[]> {
  const all = await deps.users.enabledIdsWithRole(ctx.tenantId, roleByKey.super_admin.id, ctx.tx);
  const others = all.filter((id) => id !== ctx.requesterId);
  return others.length > 0 ? others : all;
}
