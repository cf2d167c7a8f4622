// Identity users of a tenant (C1's directory users). Created by the CLI or import;
// read through the API; referenced as owners everywhere.

import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { record } from '../../lib/activity.ts';
import { alreadyExists, failedPrecondition, invalidArgument, notFound, pgErrorCode } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { type DirectoryUser, leaveDirectory, setDirectoryManagers, upsertDirectoryUsers } from './directory-store.ts';
import { UserImport } from './import.ts';
import { checkUserInput, columnsOf, EMAIL, sameList, toUser, type UserInput } from './input.ts';
import { describeCycle, lockManagerChains, managerCycles } from './managers.ts';
import type { SearchUsersRequest, User } from './schemas.ts';
import * as store from './store.ts';

export { checkUserInput, rolesWithBasic, toUser, type UserInput } from './input.ts';

/** An account a directory sync makes a user of; `managerEmail` when the connector gives a manager. */
export type DirectoryAccount = Omit<DirectoryUser, 'id'> & { managerEmail?: string };
export type DirectorySyncResult = { created: number; updated: number; disabled: number; managersSet: number };
/** Rows per statement. */
const DIRECTORY_BATCH = 2000;

const ORIGIN_UNSPECIFIED = 'USER_ORIGIN_UNSPECIFIED';
/** Origins a filter names; UNSPECIFIED names none (proto3's zero value). */
const origins = (list: string[] | undefined) => list?.filter((o) => o !== ORIGIN_UNSPECIFIED);

/** The store filter of C1's SearchUsersRequest (refs and ids alike restrict by id). */
export function userFilterOf(b: SearchUsersRequest): store.UserFilter {
  return {
    query: b.query,
    email: b.email,
    ids: [...(b.ids ?? []), ...(b.refs ?? []).map((r) => r.id)],
    excludeIds: b.excludeIds,
    statuses: b.userStatuses,
    managerIds: b.managerIds,
    departments: b.departments,
    jobTitles: b.jobTitles,
    isDelegate: b.isDelegate,
    delegatedUserIds: b.delegatedUserIds,
    hasDelegate:
      b.delegateStatus === 'DELEGATE_STATUS_HAS_DELEGATE'
        ? true
        : b.delegateStatus === 'DELEGATE_STATUS_NO_DELEGATE'
          ? false
          : undefined,
    origins: origins(b.origins),
    excludeOrigins: origins(b.excludeOrigins),
  };
}

export class UsersService {
  constructor(private readonly db: Db) {}

  async create(tenantId: string, input: UserInput, db: Db = this.db): Promise<User> {
    // Its own transaction unless given one: the system log's event is written with it.
    if (db === this.db) return this.db.transaction((tx) => this.create(tenantId, input, tx));
    const v = checkUserInput(input);
    const id = newId();
    // A new user manages nobody yet, so their managers cannot close a cycle: no lock, no walk.
    await this.checkRelations(db, tenantId, id, v);
    try {
      const row = await store.insertUser(db, { tenantId, id, ...columnsOf(v) });
      record({ activity: 'create', targets: [{ type: 'user', id }] });
      return toUser(row);
    } catch (err) {
      if (pgErrorCode(err) === '23505') throw alreadyExists(`a user with email ${v.email} already exists`);
      throw err;
    }
  }

  /** Creates the user, or updates the one with the same email (absent fields keep their values); says which. */
  async upsertByEmail(tenantId: string, input: UserInput): Promise<{ user: User; created: boolean }> {
    const v = checkUserInput(input);
    return this.db.transaction(async (tx) => {
      const existing = await store.getUserByEmail(tx, tenantId, v.email, true);
      if (!existing) return { user: await this.create(tenantId, v, tx), created: true };
      return { user: toUser(await this.change(tx, tenantId, existing, { ...v, email: existing.email })), created: false };
    });
  }

  /**
   * Changes the given fields; an empty optional field clears it, an absent one keeps it. Checked as on
   * create; roleIds replace the user's roles (Basic User stays); managerIds may not close a cycle.
   */
  async update(tenantId: string, id: string, patch: Partial<UserInput>): Promise<User> {
    try {
      return await this.db.transaction(async (tx) => {
        const row = await store.getUser(tx, tenantId, id, true);
        if (!row) throw notFound('user');
        return toUser(await this.change(tx, tenantId, row, patch));
      });
    } catch (err) {
      if (pgErrorCode(err) === '23505') throw alreadyExists(`a user with email ${patch.email} already exists`);
      throw err;
    }
  }

  /** update's and upsertByEmail's write, in their transaction. */
  private async change(tx: Db, tenantId: string, row: store.UserRow, patch: Partial<UserInput>): Promise<store.UserRow> {
    const keep = (v: string | undefined, stored: string | null) => v ?? stored ?? undefined;
    const v = checkUserInput({
      email: patch.email ?? row.email,
      displayName: patch.displayName ?? row.displayName,
      username: keep(patch.username, row.username),
      department: keep(patch.department, row.department),
      jobTitle: keep(patch.jobTitle, row.jobTitle),
      employmentStatus: keep(patch.employmentStatus, row.employmentStatus),
      employmentType: keep(patch.employmentType, row.employmentType),
      delegatedUserId: keep(patch.delegatedUserId, row.delegatedUserId),
      managerIds: patch.managerIds ?? row.managerIds,
      employeeIds: patch.employeeIds ?? row.employeeIds,
      roleIds: patch.roleIds ?? row.roleIds,
    });
    const cols = columnsOf(v);
    await this.checkRelations(tx, tenantId, row.id, v);
    const managersChange = !sameList(cols.managerIds, row.managerIds);
    if (managersChange) await lockManagerChains(tx, tenantId);
    const out = await store.updateUser(tx, tenantId, row.id, cols);
    if (managersChange) {
      const [cycle] = await managerCycles(tx, tenantId, [row.id], 1);
      if (cycle) {
        throw invalidArgument(
          `managerIds: would make a cycle in the manager chain: ${describeCycle(cycle)} (each managed by the next)`,
        );
      }
    }
    return out;
  }

  /** Managers and delegate are other users of the tenant (INVALID_ARGUMENT naming the field and value). */
  private async checkRelations(db: Db, tenantId: string, id: string, v: UserInput): Promise<void> {
    const managers = v.managerIds ?? [];
    if (managers.includes(id)) throw invalidArgument(`managerIds: a user cannot be their own manager ("${id}")`);
    if (v.delegatedUserId === id) throw invalidArgument(`delegatedUserId: a user cannot be their own delegate ("${id}")`);
    const related = [...new Set([...managers, ...(v.delegatedUserId ? [v.delegatedUserId] : [])])];
    if (related.length === 0) return;
    const found = new Set((await store.getUsers(db, tenantId, related)).map((r) => r.id));
    const manager = managers.find((m) => !found.has(m));
    if (manager !== undefined) throw invalidArgument(`managerIds: user "${manager}" does not exist`);
    if (v.delegatedUserId && !found.has(v.delegatedUserId)) {
      throw invalidArgument(`delegatedUserId: user "${v.delegatedUserId}" does not exist`);
    }
  }

  /**
   * A directory's sync, in the caller's transaction (docs/connectors.md "Directories"): its accounts
   * (one per email, first kept) create or update users, users it no longer has leave it (and are
   * disabled when no directory has them any more), then managers are set from the accounts that name
   * one. A manager cycle refuses the sync (FAILED_PRECONDITION). Set-based: a constant number of
   * statements per DIRECTORY_BATCH accounts, plus a constant number per sync.
   */
  async syncDirectory(tx: Db, tenantId: string, directoryId: string, accounts: DirectoryAccount[]): Promise<DirectorySyncResult> {
    const byEmail = new Map<string, DirectoryAccount>();
    for (const a of accounts) {
      const key = a.email.trim().toLowerCase();
      if (EMAIL.test(key) && key.length <= 320 && !byEmail.has(key)) byEmail.set(key, { ...a, email: a.email.trim() });
    }
    const unique = [...byEmail.values()];
    const out: DirectorySyncResult = { created: 0, updated: 0, disabled: 0, managersSet: 0 };
    for (let i = 0; i < unique.length; i += DIRECTORY_BATCH) {
      const batch = unique.slice(i, i + DIRECTORY_BATCH).map((a) => ({
        id: newId(),
        email: a.email,
        displayName: a.displayName.trim().slice(0, 256) || a.email,
        username: a.username?.trim().slice(0, 256) || null,
        status: a.status,
      }));
      const r = await upsertDirectoryUsers(tx, tenantId, directoryId, batch);
      out.created += r.created;
      out.updated += r.updated;
    }
    out.disabled = await leaveDirectory(tx, tenantId, directoryId, [...byEmail.keys()]);
    const managed = unique.flatMap((a) => (a.managerEmail ? [{ email: a.email, managerEmail: a.managerEmail }] : []));
    if (managed.length === 0) return out;
    await lockManagerChains(tx, tenantId);
    const changed: string[] = [];
    for (let i = 0; i < managed.length; i += DIRECTORY_BATCH) {
      changed.push(...(await setDirectoryManagers(tx, tenantId, managed.slice(i, i + DIRECTORY_BATCH))));
    }
    out.managersSet = changed.length;
    const [cycle] = changed.length > 0 ? await managerCycles(tx, tenantId, changed, 1) : [];
    if (cycle)
      throw failedPrecondition(`the directory's managers make a cycle: ${describeCycle(cycle)} (each managed by the next)`);
    return out;
  }

  /** A many-row import (the CSV import): see UserImport. */
  importer(tenantId: string): UserImport {
    return new UserImport(this.db, tenantId);
  }

  /** ENABLED or DISABLED (C1's directory status); the user's grants are left as they are. */
  async setStatus(tenantId: string, id: string, status: 'ENABLED' | 'DISABLED'): Promise<User> {
    const row = await this.db.transaction(async (tx) => {
      const changed = await store.updateUser(tx, tenantId, id, { status });
      if (changed) record({ activity: 'update', targets: [{ type: 'user', id }], changes: { status } });
      return changed;
    });
    if (!row) throw notFound('user');
    return toUser(row);
  }

  async get(tenantId: string, id: string, db: Db = this.db): Promise<User> {
    const row = await store.getUser(db, tenantId, id);
    if (!row) throw notFound('user');
    return toUser(row);
  }

  async findByEmail(tenantId: string, email: string, db: Db = this.db): Promise<User | undefined> {
    const row = await store.getUserByEmail(db, tenantId, email);
    return row && toUser(row);
  }

  /** The users with these ids, in the given order; INVALID_ARGUMENT naming the first unknown id. */
  async requireAll(tenantId: string, ids: string[], field: string, db: Db = this.db): Promise<User[]> {
    const unique = [...new Set(ids)];
    const rows = await store.getUsers(db, tenantId, unique);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const missing = unique.find((id) => !byId.has(id));
    if (missing !== undefined) throw invalidArgument(`${field}: user "${missing}" does not exist`);
    return unique.map((id) => toUser(byId.get(id) as store.UserRow));
  }

  async byIds(tenantId: string, ids: string[], db: Db = this.db): Promise<Map<string, User>> {
    const rows = await store.getUsers(db, tenantId, [...new Set(ids)]);
    return new Map(rows.map((r) => [r.id, toUser(r)]));
  }

  /** Ids of the enabled users holding this role. */
  enabledIdsWithRole(tenantId: string, roleId: string, db: Db = this.db): Promise<string[]> {
    return store.enabledIdsWithRole(db, tenantId, roleId);
  }

  async search(tenantId: string, filter: store.UserFilter, page: PageRequest): Promise<Page<User>> {
    const rows = await store.listUsers(this.db, tenantId, filter, page);
    const p = toPage(rows, page.size, (r) => r.id);
    return { list: p.list.map(toUser), nextPageToken: p.nextPageToken };
  }
}
