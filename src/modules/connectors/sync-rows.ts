// Baton records → the rows a sync upserts, in C1's terms (docs/connectors.md lists the mapping).
import { newId } from '../../db/ids.ts';
import type { SyncedAccount } from '../app-users/sync-store.ts';
import type { AppUserVars } from '../directories/service.ts';
import type { SyncedEntitlement } from '../entitlements/sync-store.ts';
import type { SyncedType } from '../resource-types/sync-store.ts';
import type { SyncedResource } from '../resources/sync-store.ts';
import type { DirectoryAccount } from '../users/service.ts';
import type { C1zEntitlement, C1zResource, C1zResourceType } from './c1z/types.ts';

const key = (type: string, id: string) => `${type}\0${id}`;

/** C1's resource type kinds: a baton role or group type keeps its kind, any other is CUSTOM. */
export function toResourceType(t: C1zResourceType): SyncedType {
  const kind = t.traits.includes('role') ? 'ROLE' : t.traits.includes('group') ? 'GROUP' : 'CUSTOM';
  return { id: newId(), batonId: t.id, displayName: t.displayName || t.id, kind };
}

/** Every baton resource, accounts included, is a resource of its type (a resource of an unknown type is skipped). */
export function toResource(r: C1zResource, typeIds: Map<string, string>): SyncedResource[] {
  const typeId = typeIds.get(r.resourceTypeId);
  if (!typeId) return [];
  return [{ id: newId(), typeId, batonId: r.id, displayName: r.displayName || r.id, description: r.description || null }];
}

/** A synced resource's parent (null when it has none, or the sync lacks it). */
export function parentOf(
  r: C1zResource,
  typeIds: Map<string, string>,
  resourceIds: Map<string, string>,
): { id: string; parentId: string | null; parentTypeId: string | null }[] {
  const id = resourceIds.get(key(r.resourceTypeId, r.id));
  if (!id) return [];
  const parentId =
    r.parentResourceTypeId && r.parentResourceId ? resourceIds.get(key(r.parentResourceTypeId, r.parentResourceId)) : undefined;
  if (!parentId) return [{ id, parentId: null, parentTypeId: null }];
  return [{ id, parentId, parentTypeId: typeIds.get(r.parentResourceTypeId as string) ?? null }];
}

const PURPOSES: Record<string, string> = {
  assignment: 'APP_ENTITLEMENT_PURPOSE_VALUE_ASSIGNMENT',
  permission: 'APP_ENTITLEMENT_PURPOSE_VALUE_PERMISSION',
};

/** An entitlement of a resource the sync has; baton's `ownership` purpose has no C1 value (UNSPECIFIED). */
export function toEntitlement(
  e: C1zEntitlement,
  typeIds: Map<string, string>,
  resourceIds: Map<string, string>,
): SyncedEntitlement[] {
  const typeId = typeIds.get(e.resourceTypeId);
  const resourceId = resourceIds.get(key(e.resourceTypeId, e.resourceId));
  if (!typeId || !resourceId) return [];
  return [
    {
      id: newId(),
      batonId: e.id,
      resourceId,
      typeId,
      displayName: e.displayName || e.slug || e.id,
      description: e.description || null,
      slug: e.slug || null,
      purpose: (e.purpose && PURPOSES[e.purpose]) ?? 'APP_ENTITLEMENT_PURPOSE_VALUE_UNSPECIFIED',
    },
  ];
}

const ACCOUNT_TYPES: Record<string, string> = {
  human: 'APP_USER_TYPE_USER',
  service: 'APP_USER_TYPE_SERVICE_ACCOUNT',
  system: 'APP_USER_TYPE_SYSTEM_ACCOUNT',
};
const STATUSES: Record<string, string> = {
  enabled: 'STATUS_ENABLED',
  disabled: 'STATUS_DISABLED',
  deleted: 'STATUS_DELETED',
};

/**
 * An account: its UserTrait gives the type (human → USER; none → USER), status (the trait's, else
 * the resource's, else ENABLED), primary email and login (the username). Its baton id is
 * `<resource type>:<resource id>`, as baton names principals.
 */
export function toAccount(r: C1zResource): SyncedAccount {
  const u = r.userTrait;
  const status = u?.status ?? r.status;
  return {
    id: newId(),
    batonId: `${r.resourceTypeId}:${r.id}`,
    displayName: r.displayName || null,
    email: u?.emails[0] || null,
    username: u?.login || null,
    appUserType: (u?.accountType && ACCOUNT_TYPES[u.accountType]) ?? 'APP_USER_TYPE_USER',
    status: (status && STATUSES[status]) ?? 'STATUS_ENABLED',
  };
}

/** Profile keys a connector may give an account's manager's email under (the first that holds an email counts). */
const MANAGER_KEYS = ['managerEmail', 'manager_email', 'manager'];

/**
 * An account as a directory sees it: the CEL variable `appUser` (C1's AppUser field names, the
 * account's profile) and the user it would make (none without an email).
 */
export function toDirectoryAccount(r: C1zResource, a: SyncedAccount): { appUser: AppUserVars; account?: DirectoryAccount } {
  const profile = r.userTrait?.profile ?? r.profile ?? {};
  const appUser: AppUserVars = {
    id: a.batonId,
    displayName: a.displayName ?? '',
    email: a.email ?? '',
    emails: r.userTrait?.emails ?? [],
    username: a.username ?? '',
    status: a.status,
    appUserType: a.appUserType,
    employeeIds: r.userTrait?.employeeIds ?? [],
    profile,
  };
  if (!a.email) return { appUser };
  const manager = MANAGER_KEYS.map((k) => profile[k]).find((v): v is string => typeof v === 'string' && v.includes('@'));
  return {
    appUser,
    account: {
      email: a.email,
      displayName: a.displayName ?? '',
      username: a.username,
      status: a.status === 'STATUS_ENABLED' ? 'ENABLED' : 'DISABLED',
      managerEmail: manager,
    },
  };
}
