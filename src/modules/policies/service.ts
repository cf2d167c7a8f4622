// Policies (C1's Policies, PolicySearch and PolicyValidate services). Gatehouse stores them
// faithfully; the access-request engine (modules/tasks) runs them (docs/tasks.md).

import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { displayNameOf } from '../../http/schemas.ts';
import { recordCreated } from '../../lib/activity.ts';
import { failedPrecondition, invalidArgument, notFound, refusedByReference } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { columnsToSet, fieldsToUpdate } from '../../lib/update-mask.ts';
import type { UsersService } from '../users/service.ts';
import { celProblems, lineColumn } from './cel.ts';
import {
  type CreatePolicyRequest,
  POLICY_READ_ONLY,
  POLICY_WRITABLE,
  type Policy,
  type PolicyInput,
  type PolicyType,
  type PolicyWritable,
  type SearchPoliciesRequest,
} from './schemas.ts';
import * as store from './store.ts';
import { checkPolicy, type References } from './validate.ts';

/** Who uses a policy: a module whose rows name policies answers the first of them, e.g. `app "X" (grantPolicyId)`. */
export type PolicyReferrer = { policyUser(tx: Db, tenantId: string, policyId: string): Promise<string | undefined> };
/** Entitlements by id, to check the ones a policy names (group approvals, delegated provisioning). */
export type PolicyEntitlements = { rowsByIds(tenantId: string, ids: string[], db?: Db): Promise<Map<string, { appId: string }>> };

/** A policy id an app or entitlement field names, and the type that field needs. */
export type PolicyRef = { field: string; id: string | null | undefined; type: PolicyType };

const typeWord = (t: string) => t.slice('POLICY_TYPE_'.length).toLowerCase().replace('_', ' ');

function toPolicy(r: store.PolicyRow): Policy {
  return {
    id: r.id,
    displayName: r.displayName,
    policyType: r.policyType,
    policySteps: r.policySteps as Policy['policySteps'],
    rules: r.rules,
    postActions: r.postActions,
    reassignTasksToDelegates: r.reassignTasksToDelegates,
    systemBuiltin: r.systemBuiltin,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

export class PoliciesService {
  constructor(
    private readonly db: Db,
    private readonly users: UsersService,
    /** Made after this service (they check policy ids through it): asked only while serving a request. */
    private readonly entitlements: () => PolicyEntitlements,
    private readonly referrers: () => PolicyReferrer[],
    /** The webhooks service: which webhook ids exist (policies' webhook steps name them). */
    private readonly webhooks?: () => { existingIds(tx: Db, tenantId: string, ids: string[]): Promise<Set<string>> },
  ) {}

  async create(tenantId: string, req: CreatePolicyRequest): Promise<Policy> {
    const displayName = displayNameOf(req.displayName);
    const refs = checkPolicy(req);
    return this.db.transaction(async (tx) => {
      await this.checkReferences(tx, tenantId, refs);
      const row = await store.insertPolicy(tx, {
        tenantId,
        id: newId(),
        displayName,
        policyType: req.policyType as PolicyType,
        policySteps: req.policySteps ?? {},
        rules: req.rules ?? [],
        postActions: req.postActions ?? [],
        reassignTasksToDelegates: req.reassignTasksToDelegates ?? false,
      });
      recordCreated('policy', row.id);
      return toPolicy(row);
    });
  }

  async get(tenantId: string, id: string, db: Db = this.db): Promise<Policy> {
    const row = await store.getPolicy(db, tenantId, id);
    if (!row) throw notFound('policy');
    return toPolicy(row);
  }

  /** Deleted policies are not kept, so `includeDeleted` changes nothing. */
  async search(tenantId: string, req: SearchPoliciesRequest, page: PageRequest): Promise<Page<Policy>> {
    const rows = await store.listPolicies(
      this.db,
      tenantId,
      {
        query: req.query,
        displayName: req.displayName,
        policyTypes: req.policyTypes,
        ids: req.refs?.map((r) => r.id),
        excludeIds: req.excludePolicyIds,
      },
      page,
    );
    const p = toPage(rows, page.size, (r) => r.id);
    return { list: p.list.map(toPolicy), nextPageToken: p.nextPageToken };
  }

  async update(tenantId: string, id: string, input: PolicyInput | undefined, updateMask: string | undefined): Promise<Policy> {
    const fields = fieldsToUpdate<PolicyWritable>(updateMask, POLICY_WRITABLE, POLICY_READ_ONLY, input);
    const set = columnsToSet<PolicyWritable, store.NewPolicyRow>(fields, input, {
      displayName: (v) => ({ displayName: displayNameOf((v as string | undefined) ?? '', 'policy.displayName') }),
      policyType: (v) => ({ policyType: (v as string | undefined) ?? '' }),
      policySteps: (v) => ({ policySteps: (v as store.NewPolicyRow['policySteps']) ?? {} }),
      rules: (v) => ({ rules: (v as store.NewPolicyRow['rules']) ?? [] }),
      postActions: (v) => ({ postActions: (v as store.NewPolicyRow['postActions']) ?? [] }),
      reassignTasksToDelegates: (v) => ({ reassignTasksToDelegates: (v as boolean | undefined) ?? false }),
    });
    return this.db.transaction(async (tx) => {
      const row = await store.getPolicy(tx, tenantId, id, 'update');
      if (!row) throw notFound('policy');
      if (fields.length === 0) return toPolicy(row);
      if (row.systemBuiltin) throw failedPrecondition(`policy ${id} is built in: built-in policies cannot be edited`);
      // The policy as it will be is checked whole: a new rule may name a key the old steps have.
      const next = { ...row, ...set };
      const refs = checkPolicy(next as CreatePolicyRequest, 'policy.');
      if (next.policyType !== row.policyType) {
        const user = await this.firstUser(tx, tenantId, id);
        if (user) throw failedPrecondition(`policy.policyType: cannot change while the policy is in use by ${user}`);
      }
      await this.checkReferences(tx, tenantId, refs);
      return toPolicy((await store.updatePolicy(tx, tenantId, id, set)) ?? row);
    });
  }

  /** Refused for a built-in policy and for one in use (the foreign keys refuse too, should a use arrive meanwhile). */
  async delete(tenantId: string, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await store.getPolicy(tx, tenantId, id, 'update');
      if (!row) throw notFound('policy');
      if (row.systemBuiltin) throw failedPrecondition(`policy ${id} is built in: built-in policies cannot be deleted`);
      const user = await this.firstUser(tx, tenantId, id);
      if (user) throw failedPrecondition(`policy is in use by ${user}`);
      await refusedByReference(store.deletePolicy(tx, tenantId, id), `policy ${id} is in use`);
    });
  }

  /** C1's EditorValidateResponse markers for a CEL expression: none when it compiles. */
  validateCel(text: string) {
    return celProblems(text).map((p) => {
      const start = lineColumn(text, p.offset);
      const end = lineColumn(text, p.offset + p.length);
      return {
        startLineNumber: start.line,
        startColumn: start.column,
        endLineNumber: end.line,
        endColumn: end.column,
        message: p.message,
        severity: 'ERROR' as const,
      };
    });
  }

  /**
   * For apps and entitlements: every policy id given (null or empty: none) names a policy of the
   * field's type, held FOR KEY SHARE until the caller commits (so it is not deleted meanwhile).
   * INVALID_ARGUMENT naming the first field that does not. One statement for all of them.
   */
  async checkRefs(tx: Db, tenantId: string, refs: PolicyRef[]): Promise<void> {
    const given = refs.filter((r) => r.id);
    if (given.length === 0) return;
    const found = new Map(
      (
        await store.lockPolicies(
          tx,
          tenantId,
          given.map((r) => r.id as string),
        )
      ).map((p) => [p.id, p.policyType]),
    );
    for (const r of given) {
      const type = found.get(r.id as string);
      if (!type) throw invalidArgument(`${r.field}: policy "${r.id}" does not exist`);
      if (type !== r.type) {
        throw invalidArgument(
          `${r.field}: policy "${r.id}" is a ${typeWord(type)} policy; this field takes a ${typeWord(r.type)} policy`,
        );
      }
    }
  }

  private async firstUser(tx: Db, tenantId: string, id: string): Promise<string | undefined> {
    for (const r of this.referrers()) {
      const user = await r.policyUser(tx, tenantId, id);
      if (user) return user;
    }
    return undefined;
  }

  /** What the policy names exists: users of the tenant, entitlements (of the app given), policies. */
  private async checkReferences(tx: Db, tenantId: string, refs: References): Promise<void> {
    if (refs.users.length) {
      const users = await this.users.byIds(
        tenantId,
        refs.users.map((u) => u.id),
        tx,
      );
      const missing = refs.users.find((u) => !users.has(u.id));
      if (missing) throw invalidArgument(`${missing.path}: user "${missing.id}" does not exist`);
    }
    if (refs.entitlements.length) {
      const rows = await this.entitlements().rowsByIds(
        tenantId,
        refs.entitlements.map((e) => e.id),
        tx,
      );
      const missing = refs.entitlements.find((e) => {
        const row = rows.get(e.id);
        return !row || (e.appId && row.appId !== e.appId);
      });
      if (missing) {
        const of = missing.appId ? ` of app "${missing.appId}"` : '';
        throw invalidArgument(`${missing.path}: entitlement "${missing.id}"${of} does not exist`);
      }
    }
    if (refs.webhooks.length && this.webhooks) {
      const ids = await this.webhooks().existingIds(
        tx,
        tenantId,
        refs.webhooks.map((w) => w.id),
      );
      const missing = refs.webhooks.find((w) => !ids.has(w.id));
      if (missing) throw invalidArgument(`${missing.path}: webhook "${missing.id}" does not exist`);
    }
    if (refs.policies.length) {
      const rows = await store.getPolicies(
        tx,
        tenantId,
        refs.policies.map((p) => p.id),
      );
      const ids = new Set(rows.map((r) => r.id));
      const missing = refs.policies.find((p) => !ids.has(p.id));
      if (missing) throw invalidArgument(`${missing.path}: policy "${missing.id}" does not exist`);
    }
  }
}
