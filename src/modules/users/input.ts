// A user's fields as the service takes them: checked and normalised (INVALID_ARGUMENT
// naming the field), and as the API answers them (C1's User).
import { displayNameOf, orUndef, textLength } from '../../http/schemas.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { BASIC_USER_ROLE_ID, roleById } from '../roles/builtin.ts';
import type { User } from './schemas.ts';
import type { UserRow } from './store.ts';

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

export const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function toUser(row: UserRow): User {
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
    directoryIds: row.directoryIds,
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
export function columnsOf(v: UserInput) {
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

export const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
