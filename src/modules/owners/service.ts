// Owners of apps, resources and entitlements (C1's AppOwners, AppResourceOwners and
// AppEntitlementOwners): one component, so the three behave alike. Each change is one
// transaction that first holds the owned object through the module's own `hold`
// (FOR KEY SHARE to add or remove, as the owner row's foreign key would; FOR UPDATE to
// replace the whole set, so that two replacements do not interleave), then checks the
// users (400 naming the field for an id that is no user of the tenant, also on removal)
// and writes. Removing a user who is not an owner changes nothing.
import type { AnyColumn, SQL } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import type { RowLock } from '../../db/sql-helpers.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import type { User } from '../users/schemas.ts';
import type { UsersService } from '../users/service.ts';
import * as store from './store.ts';

export type { OwnedKind } from './store.ts';

/** Finds the owned object (NOT_FOUND naming what is missing) and locks it as asked. */
export type Hold = (tx: Db, lock: RowLock) => Promise<unknown>;

export class OwnersService {
  constructor(
    private readonly db: Db,
    private readonly users: UsersService,
  ) {}

  /** A condition for another module's query: its object (columns given) has an owner among these users. */
  ownedByAny(kind: store.OwnedKind, tenantId: AnyColumn, ownedId: AnyColumn, userIds: string[]): SQL {
    return store.ownedByAny(kind, tenantId, ownedId, userIds);
  }

  /** Whether the user owns the object (authorization's owner relations). */
  isOwner(kind: store.OwnedKind, tenantId: string, ownedId: string, userId: string): Promise<boolean> {
    return store.isOwner(this.db, kind, tenantId, ownedId, userId);
  }

  /** Owner ids of each object, in the order they were added. */
  idsOf(kind: store.OwnedKind, tenantId: string, ownedIds: string[], db: Db = this.db): Promise<Map<string, string[]>> {
    return store.idsOf(db, kind, tenantId, ownedIds);
  }

  /** Owners of each object as users, in the order they were added. */
  async usersOf(kind: store.OwnedKind, tenantId: string, ownedIds: string[], db: Db = this.db): Promise<Map<string, User[]>> {
    const ids = await store.idsOf(db, kind, tenantId, ownedIds);
    const users = await this.users.byIds(tenantId, [...ids.values()].flat(), db);
    return new Map([...ids].map(([owned, list]) => [owned, list.flatMap((id) => users.get(id) ?? [])]));
  }

  async list(kind: store.OwnedKind, tenantId: string, ownedId: string, hold: Hold, page: PageRequest): Promise<Page<User>> {
    await hold(this.db, false);
    const p = toPage(await store.pageIds(this.db, kind, tenantId, ownedId, page), page.size, (id) => id);
    const users = await this.users.byIds(tenantId, p.list);
    return { list: p.list.flatMap((id) => users.get(id) ?? []), nextPageToken: p.nextPageToken };
  }

  /** Makes the users owners (inside the caller's transaction, e.g. a create); `field` names them in errors. */
  async addIn(
    tx: Db,
    kind: store.OwnedKind,
    tenantId: string,
    ownedId: string,
    userIds: string[],
    field: string,
  ): Promise<User[]> {
    const users = await this.users.requireAll(tenantId, userIds, field, tx);
    await store.add(
      tx,
      kind,
      tenantId,
      ownedId,
      users.map((u) => u.id),
    );
    return users;
  }

  async add(kind: store.OwnedKind, tenantId: string, ownedId: string, hold: Hold, userId: string, field: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await hold(tx, 'key share');
      await this.addIn(tx, kind, tenantId, ownedId, [userId], field);
    });
  }

  async remove(
    kind: store.OwnedKind,
    tenantId: string,
    ownedId: string,
    hold: Hold,
    userId: string,
    field: string,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await hold(tx, 'key share');
      await this.users.requireAll(tenantId, [userId], field, tx);
      await store.remove(tx, kind, tenantId, ownedId, [userId]);
    });
  }

  /** Replaces the owners with exactly these users. */
  async set(
    kind: store.OwnedKind,
    tenantId: string,
    ownedId: string,
    hold: Hold,
    userIds: string[],
    field: string,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      await hold(tx, true);
      // An unknown user refuses the whole set: the transaction undoes the removal.
      await store.remove(tx, kind, tenantId, ownedId);
      await this.addIn(tx, kind, tenantId, ownedId, userIds, field);
    });
  }
}
