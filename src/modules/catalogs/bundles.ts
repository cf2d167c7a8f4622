// Bundle catalogs (`requestBundle`): requesting the catalog (enrolling) requests every entitlement
// in it that the person lacks, one grant task each, in one transaction; leaving it (unenrolling)
// does what the catalog's `unenrollmentBehavior` says to the access the bundle gave.
import type { Db } from '../../db/index.ts';
import type { Caller } from '../../http/routes.ts';
import { alreadyExists, failedPrecondition, notFound, permissionDenied } from '../../lib/errors.ts';
import type { GrantsService } from '../grants/service.ts';
import { DEFAULT_GRANT_POLICY } from '../policies/builtin.ts';
import type { Task } from '../tasks/schemas.ts';
import type { TasksService } from '../tasks/service.ts';
import type { UsersService } from '../users/service.ts';
import { requireMayRequestFor, seesAll } from './access.ts';
import type { EnrollRequest } from './schemas.ts';
import type { CatalogsService } from './service.ts';
import * as store from './store.ts';

export type BundleLater = { tasks: TasksService; grants: GrantsService };

export type Unenrolled = { revokedEntitlementIds: string[]; tasks: Task[] };

export class BundlesService {
  constructor(
    private readonly db: Db,
    private readonly catalogs: CatalogsService,
    private readonly users: UsersService,
    private readonly later: () => BundleLater,
  ) {}

  /** Enrolls the subject (the caller unless `identityUserId`): one grant task per entitlement they lack. */
  async enroll(tenantId: string, catalogId: string, req: EnrollRequest, caller: Caller): Promise<Task[]> {
    const subjectId = req.identityUserId || caller.userId;
    if (!subjectId) throw failedPrecondition('identityUserId: is required for a caller without a user');
    const { grants } = this.later();
    return this.db.transaction(async (tx) => {
      const catalog = await this.catalogs.requireVisible(tx, tenantId, catalogId, caller);
      await this.catalogs.requireRow(tx, tenantId, catalogId, true);
      if (!catalog.requestBundle) throw failedPrecondition(`catalog ${catalogId} is not a bundle (requestBundle is false)`);
      const subject = await this.users.get(tenantId, subjectId, tx);
      if (!seesAll(caller)) requireMayRequestFor(caller.userId as string, subject);
      const entries = (await store.entryRefs(tx, 'entries', tenantId, [catalogId])).get(catalogId) ?? [];
      const held = await grants.reads.bindingsOf(
        tenantId,
        subjectId,
        entries.map((e) => e.id),
        tx,
      );
      const missing = entries.filter((e) => !held.has(e.id));
      if (
        !(await store.enroll(
          tx,
          tenantId,
          catalogId,
          subjectId,
          missing.map((e) => e.id),
        ))
      ) {
        throw alreadyExists(`user ${subjectId} is already enrolled in catalog ${catalogId}`);
      }
      return this.request(tx, tenantId, catalog, subjectId, missing, req.description, caller);
    });
  }

  /**
   * AddAppEntitlements with `createRequests` on a bundle, in its transaction: everyone enrolled gets a
   * grant task for each added entitlement they lack, and their enrollment counts it as asked for.
   */
  async requestAdded(tx: Db, tenantId: string, catalog: store.CatalogRow, added: store.Ref[], caller: Caller): Promise<void> {
    if (!catalog.requestBundle || added.length === 0) return;
    for (const userId of await store.enrolledUsers(tx, tenantId, catalog.id)) {
      const held = await this.later().grants.reads.bindingsOf(
        tenantId,
        userId,
        added.map((e) => e.id),
        tx,
      );
      const missing = added.filter((e) => !held.has(e.id));
      await store.addRequested(
        tx,
        tenantId,
        catalog.id,
        userId,
        missing.map((e) => e.id),
      );
      await this.request(tx, tenantId, catalog, userId, missing, undefined, caller);
    }
  }

  /** One grant task per entitlement; BYPASS runs the catalog's policy (else the built-in Default Grant Policy) instead of each entitlement's own. */
  private async request(
    tx: Db,
    tenantId: string,
    catalog: store.CatalogRow,
    subjectId: string,
    refs: store.Ref[],
    description: string | undefined,
    caller: Caller,
  ): Promise<Task[]> {
    const bypass = catalog.enrollmentBehavior === 'REQUEST_CATALOG_ENROLLMENT_BEHAVIOR_BYPASS_ENTITLEMENT_REQUEST_POLICY';
    const policyId = bypass ? (catalog.grantPolicyId ?? DEFAULT_GRANT_POLICY.id) : undefined;
    const made: Task[] = [];
    for (const e of refs) {
      const body = {
        appId: e.appId,
        appEntitlementId: e.id,
        identityUserId: subjectId,
        description: description || `Requested through catalog "${catalog.displayName}"`,
      };
      made.push(await this.later().tasks.createGrant(tenantId, body, caller, { tx, policyId }));
    }
    return made;
  }

  /** Unenrolls the user; the catalog's unenrollment behaviours say what happens to the bundle's access. */
  async unenroll(tenantId: string, catalogId: string, userId: string, caller: Caller): Promise<Unenrolled> {
    if (caller.userId !== userId && !seesAll(caller)) {
      throw permissionDenied('missing permission catalogs:write: you may leave only your own enrollments');
    }
    const { tasks, grants } = this.later();
    return this.db.transaction(async (tx) => {
      const catalog = await this.catalogs.requireRow(tx, tenantId, catalogId, true);
      const enrollment = await store.unenroll(tx, tenantId, catalogId, userId);
      if (!enrollment) throw notFound('enrollment');
      const entries = ((await store.entryRefs(tx, 'entries', tenantId, [catalogId])).get(catalogId) ?? []).map((e) => e.id);
      let targets: string[] = [];
      if (catalog.unenrollmentBehavior === 'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_REVOKE_ALL') targets = entries;
      else if (catalog.unenrollmentBehavior === 'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_REVOKE_UNJUSTIFIED') {
        // Only what this enrollment asked for, and that no other bundle the user is in still gives.
        const elsewhere = await store.justifiedElsewhere(tx, tenantId, userId, catalogId);
        const asked = new Set(enrollment.requestedEntitlementIds);
        targets = entries.filter((id) => asked.has(id) && !elsewhere.has(id));
      }
      const held = await grants.reads.bindingsOf(tenantId, userId, targets, tx);
      const out: Unenrolled = { revokedEntitlementIds: [], tasks: [] };
      const enforce = catalog.unenrollmentEntitlementBehavior === 'REQUEST_CATALOG_UNENROLLMENT_ENTITLEMENT_BEHAVIOR_ENFORCE';
      for (const id of targets) {
        const b = held.get(id);
        if (!b) continue;
        if (enforce) {
          // ENFORCE: each entitlement's revoke policy runs (a revoke task each).
          const t = await tasks.createRevoke(
            tenantId,
            {
              appId: b.appId,
              appEntitlementId: id,
              identityUserId: userId,
              description: `Left catalog "${catalog.displayName}"`,
            },
            caller,
            { tx },
          );
          out.tasks.push(t);
        } else {
          await grants.revokeInTx(tx, tenantId, b.appId, id, userId);
          out.revokedEntitlementIds.push(id);
        }
      }
      return out;
    });
  }
}
