// Identity users of a tenant (C1's directory users). Created by the CLI or import;
// read through the API; referenced as owners everywhere.

import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { displayNameOf, orUndef, textLength } from '../../http/schemas.ts';
import { alreadyExists, invalidArgument, notFound, pgErrorCode } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { BASIC_USER_ROLE_ID, roleById } from '../roles/builtin.ts';
import type { SearchUsersRequest, User } from './schemas.ts';
import { describeCycle, lockManagerChains, managerCycles } from './managers.ts';
import * as store from './store.ts';

export type UserInput = {
  email: string;
  displayName: string;
  username?: string;
  department?: string;
  jobTitle?: string;
  employmentStatus?: string;
  /** Ids of this tenant's users who manage this one. */
  managerIds?: string[];
  /** The user who acts for this one while away. */
  delegatedUserId?: string;
  /** Built-in role ids; Basic User is always added. */
  roleIds?: string[];
  employmentType?: string;
  employeeIds?: string[];
};

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function toUser(row: store.UserRow): User {
  return {
    id: row.id,
    email: row.email,
    emails: [row.email],
    displayName: row.displayName,
    username: orUndef(row.username),
    usernames: row.username ? [row.username] : [],
    department: orUndef(row.department),
    jobTitle: orUndef(row.jobTitle),
    employmentStatus: orUndef(row.employmentStatus),
    employmentType: orUndef(row.employmentType),
    employeeIds: row.employeeIds,
    roleIds: row.roleIds,
    managerIds: row.managerIds.length > 0 ? row.managerIds : undefined,
    delegatedUserId: orUndef(row.delegatedUserId),
    origin: row.origin as User['origin'],
    status: row.status as User['status'],
    directoryStatus: row.status as User['status'],
    type: 'USER_TYPE_HUMAN',
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** At most this many managers, and employee ids, per user. */
const MAX_LIST = 100;

/** A list field's values, trimmed, without empties or repeats (first kept), each checked. */
function listOf(field: string, values: string[] | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const out = [...new Set(values.map((v) => v.trim()).filter((v) => v !== ''))];
  if (out.length > MAX_LIST) throw invalidArgument(`${field}: at most ${MAX_LIST} values`);
  const long = out.find((v) => textLength(v) > 256);
  if (long !== undefined) throw invalidArgument(`${field}: "${long.slice(0, 40)}..." is over 256 characters`);
  return out;
}

/** Checks and normalises a user's fields; throws INVALID_ARGUMENT naming the field. */
export function checkUserInput(input: UserInput): UserInput {
  const email = input.email?.trim() ?? '';
  if (!EMAIL.test(email) || email.length > 320) throw invalidArgument(`email: "${input.email}" is not an email address`);
  const opt = (field: string, v: string | undefined) => {
    const t = v?.trim();
    if (t && textLength(t) > 256) throw invalidArgument(`${field}: at most 256 characters`);
    return t || undefined;
  };
  return {
    email,
    displayName: displayNameOf(input.displayName ?? ''),
    username: opt('username', input.username),
    department: opt('department', input.department),
    jobTitle: opt('jobTitle', input.jobTitle),
    employmentStatus: opt('employmentStatus', input.employmentStatus),
    managerIds: listOf('managerIds', input.managerIds),
    delegatedUserId: opt('delegatedUserId', input.delegatedUserId),
    roleIds: input.roleIds && rolesWithBasic(input.roleIds),
    employmentType: opt('employmentType', input.employmentType),
    employeeIds: listOf('employeeIds', input.employeeIds),
  };
}

/** The role ids, checked (INVALID_ARGUMENT naming roleIds), with Basic User added: every user has it. */
export function rolesWithBasic(roleIds: string[]): string[] {
  const unknown = roleIds.find((id) => !roleById.has(id));
  if (unknown !== undefined) throw invalidArgument(`roleIds: "${unknown}" is not a role`);
  return [...new Set([BASIC_USER_ROLE_ID, ...roleIds])];
}

/** The columns of a checked input (absent optional fields become NULL or empty). */
function columnsOf(v: UserInput) {
  return {
    email: v.email,
    displayName: v.displayName,
    username: v.username ?? null,
    department: v.department ?? null,
    jobTitle: v.jobTitle ?? null,
    employmentStatus: v.employmentStatus ?? null,
    employmentType: v.employmentType ?? null,
    employeeIds: v.employeeIds ?? [],
    managerIds: v.managerIds ?? [],
    delegatedUserId: v.delegatedUserId ?? null,
    roleIds: v.roleIds ?? [BASIC_USER_ROLE_ID],
  };
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

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
    const v = checkUserInput(input);
    const id = newId();
    // A new user manages nobody yet, so their managers cannot close a cycle: no lock, no walk.
    await this.checkRelations(db, tenantId, id, v);
    try {
      return toUser(await store.insertUser(db, { tenantId, id, ...columnsOf(v) }));
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

  /** ENABLED or DISABLED (C1's directory status); the user's grants are left as they are. */
  async setStatus(tenantId: string, id: string, status: 'ENABLED' | 'DISABLED'): Promise<User> {
    const row = await store.updateUser(this.db, tenantId, id, { status });
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

  async search(tenantId: string, filter: store.UserFilter, page: PageRequest): Promise<Page<User>> {
    const rows = await store.listUsers(this.db, tenantId, filter, page);
    const p = toPage(rows, page.size, (r) => r.id);
    return { list: p.list.map(toUser), nextPageToken: p.nextPageToken };
  }
}
