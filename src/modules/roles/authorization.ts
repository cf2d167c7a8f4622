// The authorization table: for every operation Gatehouse serves, the permission a
// caller's roles must hold to call it on any object of the tenant, and the object
// relations that let other callers in. The HTTP edge enforces it in one hook
// (src/http/authorize.ts); README "Authorization" prints it (scripts/authorization-doc.ts),
// and test/http/authorization-matrix.test.ts checks every row against every role.
import { type Permission, roleById } from './builtin.ts';

/**
 * How a caller without the permission may still call the operation:
 * - `appOwner`: an Application Administrator who owns the app named by this path parameter;
 * - `entitlementOwner`: an owner of the entitlement named by this path parameter (any role);
 * - `self`: the path parameter names the caller's own user (another user's answers 404: they may not see it);
 * - `ownClient`: the path parameter names one of the caller's personal clients (another's answers 404);
 * - `connector`: a connector credential (C1's ConnectorCredential) of the connector named by this path
 *   parameter. A connector credential has no roles and may call nothing else (403), not even what
 *   any authenticated caller may.
 * - `narrow`: a list or search the caller may make over what is theirs only (their user, their
 *   grants, their clients) when they have no permission for all: any caller with a user may; the
 *   route is told to narrow it, and a body field naming someone else's user is refused (403); with
 *   `fillOnly` the field is only filled when empty (the service decides about others: a grant request
 *   for a direct report, catalogs/access.ts).
 */
export type Rule = {
  /** Undefined: any authenticated caller. */
  permission?: Permission;
  appOwner?: string;
  entitlementOwner?: string;
  self?: string;
  ownClient?: string;
  connector?: string;
  /** `bodyField` names the user filter of a search body; `many` when it is a list of user ids. */
  narrow?: { bodyField?: string; many?: boolean; fillOnly?: boolean };
};

const anyone = { permission: 'catalog:read' } as const satisfies Rule;
const read = (permission: Permission, extra: Omit<Rule, 'permission'> = {}): Rule => ({ permission, ...extra });
/** A change to an app or something in it: administrators of that app may make it. */
const appWrite = (permission: Permission, appParam = 'app_id'): Rule => ({ permission, appOwner: appParam });
/** A change to an entitlement's members: its app's administrators and its own owners may make it. */
const memberWrite: Rule = { permission: 'grants:write', appOwner: 'app_id', entitlementOwner: 'app_entitlement_id' };

const app = 'c1.api.app.v1';
export const AUTHORIZATION: Record<string, Rule> = {
  // Who is calling: every authenticated caller.
  'c1.api.auth.v1.Auth.Introspect': {},
  'c1.api.iam.v1.Roles.List': read('roles:read'),
  'c1.api.iam.v1.Roles.Get': read('roles:read'),
  'c1.api.iam.v1.Roles.Update': read('roles:write'),
  // Personal clients: everyone manages their own; the *_all permissions reach everyone's.
  'c1.api.iam.v1.PersonalClientService.Create': read('personal_clients:write'),
  'c1.api.iam.v1.PersonalClientService.List': read('personal_clients:read_all', { narrow: {} }),
  'c1.api.iam.v1.PersonalClientSearchService.Search': read('personal_clients:read_all', { narrow: {} }),
  'c1.api.iam.v1.PersonalClientService.Get': read('personal_clients:read_all', { ownClient: 'id' }),
  'c1.api.iam.v1.PersonalClientService.Update': read('personal_clients:write_all', { ownClient: 'id' }),
  'c1.api.iam.v1.PersonalClientService.Delete': read('personal_clients:write_all', { ownClient: 'id' }),
  // People.
  'c1.api.user.v1.UserService.List': read('users:read'),
  'c1.api.user.v1.UserService.Get': read('users:read', { self: 'id' }),
  'c1.api.user.v1.UserSearch.Search': read('users:read'),
  // Policies: staff read them (validate/cel is a read); Super and Access Request Administrators write them.
  'c1.api.policy.v1.Policies.List': read('policies:read'),
  'c1.api.policy.v1.Policies.Get': read('policies:read'),
  'c1.api.policy.v1.PolicySearch.Search': read('policies:read'),
  'c1.api.policy.v1.PolicyValidate.ValidateCEL': read('policies:read'),
  'c1.api.policy.v1.Policies.Create': read('policies:write'),
  'c1.api.policy.v1.Policies.Update': read('policies:write'),
  'c1.api.policy.v1.Policies.Delete': read('policies:write'),
  // Webhooks: Access Request Administrators read them (policies name them); Super Administrators write and test them.
  'c1.api.webhooks.v1.WebhooksService.List': read('webhooks:read'),
  'c1.api.webhooks.v1.WebhooksService.Get': read('webhooks:read'),
  'c1.api.webhooks.v1.WebhooksSearch.Search': read('webhooks:read'),
  'c1.api.webhooks.v1.WebhooksService.Create': read('webhooks:write'),
  'c1.api.webhooks.v1.WebhooksService.Update': read('webhooks:write'),
  'c1.api.webhooks.v1.WebhooksService.Delete': read('webhooks:write'),
  'c1.api.webhooks.v1.WebhooksService.Test': read('webhooks:write'),
  // Apps and their owners.
  [`${app}.Apps.Create`]: read('apps:create'),
  [`${app}.Apps.List`]: anyone,
  [`${app}.Apps.Get`]: anyone,
  [`${app}.AppSearch.Search`]: anyone,
  [`${app}.Apps.Update`]: appWrite('apps:write', 'id'),
  [`${app}.Apps.Delete`]: appWrite('apps:write', 'id'),
  [`${app}.AppOwners.List`]: anyone,
  [`${app}.AppOwners.Set`]: appWrite('apps:write'),
  [`${app}.AppOwners.Add`]: appWrite('apps:write'),
  [`${app}.AppOwners.Remove`]: appWrite('apps:write'),
  // Connectors: Super and Connector Administrators, and the app's administrators; the sync upload is Gatehouse's own.
  [`${app}.ConnectorService.List`]: anyone,
  [`${app}.ConnectorService.Get`]: anyone,
  [`${app}.ConnectorService.Create`]: appWrite('connectors:write'),
  [`${app}.ConnectorService.CreateDelegated`]: appWrite('connectors:write'),
  [`${app}.ConnectorService.Update`]: appWrite('connectors:write'),
  [`${app}.ConnectorService.Delete`]: appWrite('connectors:write'),
  [`${app}.ConnectorService.UpdateDelegated`]: appWrite('connectors:write', 'connector_app_id'),
  [`${app}.ConnectorService.ForceSync`]: appWrite('connectors:write'),
  [`${app}.ConnectorService.RotateCredential`]: appWrite('connectors:write'),
  [`${app}.ConnectorService.GetCredentials`]: read('app_users:read'),
  [`${app}.ConnectorService.RevokeCredential`]: appWrite('connectors:write'),
  'gatehouse.ConnectorSync.Upload': { ...appWrite('connectors:write'), connector: 'connector_id' },
  // Directories: which apps make identity users. Reading is for who may read users; making and
  // deleting one is the Super Administrator's (it creates and disables users).
  'c1.api.directory.v1.DirectoryService.List': read('users:read'),
  'c1.api.directory.v1.DirectoryService.Get': read('users:read'),
  'c1.api.directory.v1.DirectoryService.Create': read('directories:write'),
  'c1.api.directory.v1.DirectoryService.Delete': read('directories:write'),
  // Resource types and resources.
  [`${app}.AppResourceTypeService.List`]: anyone,
  [`${app}.AppResourceTypeService.Get`]: anyone,
  [`${app}.AppResourceSearch.SearchAppResourceTypes`]: anyone,
  [`${app}.AppResourceTypeService.CreateManuallyManagedResourceType`]: appWrite('resources:write'),
  [`${app}.AppResourceTypeService.UpdateManuallyManagedResourceType`]: appWrite('resources:write'),
  [`${app}.AppResourceTypeService.DeleteManuallyManagedResourceType`]: appWrite('resources:write'),
  [`${app}.AppResourceService.List`]: anyone,
  [`${app}.AppResourceService.Get`]: anyone,
  [`${app}.AppResourceSearch.SearchAppResources`]: anyone,
  [`${app}.AppResourceService.CreateManuallyManagedAppResource`]: appWrite('resources:write'),
  [`${app}.AppResourceService.Update`]: appWrite('resources:write'),
  [`${app}.AppResourceService.DeleteManuallyManagedAppResource`]: appWrite('resources:write'),
  [`${app}.AppResourceOwners.List`]: anyone,
  [`${app}.AppResourceOwners.Add`]: appWrite('resources:write'),
  [`${app}.AppResourceOwners.Remove`]: appWrite('resources:write'),
  // Entitlements.
  [`${app}.AppEntitlements.List`]: anyone,
  [`${app}.AppEntitlements.ListForAppResource`]: anyone,
  [`${app}.AppEntitlements.Get`]: anyone,
  [`${app}.AppEntitlementSearchService.Search`]: anyone,
  [`${app}.AppEntitlements.Create`]: appWrite('entitlements:write'),
  [`${app}.AppEntitlements.Update`]: appWrite('entitlements:write'),
  [`${app}.AppEntitlements.Delete`]: appWrite('entitlements:write'),
  [`${app}.AppEntitlementOwners.List`]: anyone,
  [`${app}.AppEntitlementOwners.Add`]: appWrite('entitlements:write'),
  [`${app}.AppEntitlementOwners.Set`]: appWrite('entitlements:write'),
  [`${app}.AppEntitlementOwners.Remove`]: appWrite('entitlements:write'),
  // Accounts.
  [`${app}.AppUserService.List`]: read('app_users:read'),
  [`${app}.AppUserService.ListAppUsersForUser`]: read('app_users:read', { self: 'user_id' }),
  [`${app}.AppUserService.Search`]: read('app_users:read', { narrow: { bodyField: 'userIds', many: true } }),
  [`${app}.AppUserService.Update`]: appWrite('app_users:write', 'app_user_app_id'),
  // Grants.
  [`${app}.AppEntitlements.AddManuallyManagedMembers`]: memberWrite,
  [`${app}.AppEntitlements.RemoveEntitlementMembership`]: memberWrite,
  [`${app}.AppEntitlementUserBindingService.UpdateGrantDuration`]: memberWrite,
  [`${app}.AppEntitlementUserBindingService.RemoveGrantDuration`]: memberWrite,
  [`${app}.AppEntitlements.ListUsers`]: read('grants:read', { entitlementOwner: 'app_entitlement_id' }),
  [`${app}.AppEntitlements.ListForAppUser`]: read('grants:read'),
  [`${app}.AppEntitlementSearchService.SearchGrants`]: read('grants:read', { narrow: { bodyField: 'userId' } }),
  [`${app}.AppEntitlementUserBindingService.ListAppUsersForIdentityWithGrant`]: read('grants:read', {
    self: 'identity_user_id',
    entitlementOwner: 'app_entitlement_id',
  }),
  [`${app}.AppEntitlementUserBindingService.SearchPastGrants`]: read('grants:read'),
  // Request catalogs: Super and Access Request Administrators manage them; everyone reads and searches
  // the ones they see (the service filters: published, visible to everyone or to holders of an access
  // entitlement). Enrolling in a bundle is Gatehouse's own route (docs/catalogs.md).
  'c1.api.requestcatalog.v1.RequestCatalogManagementService.Create': read('catalogs:write'),
  'c1.api.requestcatalog.v1.RequestCatalogManagementService.Update': read('catalogs:write'),
  'c1.api.requestcatalog.v1.RequestCatalogManagementService.Delete': read('catalogs:write'),
  'c1.api.requestcatalog.v1.RequestCatalogManagementService.AddAppEntitlements': read('catalogs:write'),
  'c1.api.requestcatalog.v1.RequestCatalogManagementService.RemoveAppEntitlements': read('catalogs:write'),
  'c1.api.requestcatalog.v1.RequestCatalogManagementService.UpdateAppEntitlements': read('catalogs:write'),
  'c1.api.requestcatalog.v1.RequestCatalogManagementService.AddAccessEntitlements': read('catalogs:write'),
  'c1.api.requestcatalog.v1.RequestCatalogManagementService.RemoveAccessEntitlements': read('catalogs:write'),
  'c1.api.requestcatalog.v1.RequestCatalogManagementService.List': anyone,
  'c1.api.requestcatalog.v1.RequestCatalogManagementService.Get': anyone,
  'c1.api.requestcatalog.v1.RequestCatalogManagementService.ListEntitlementsPerCatalog': anyone,
  'c1.api.requestcatalog.v1.RequestCatalogManagementService.ListAllEntitlementIdsPerApp': anyone,
  'c1.api.requestcatalog.v1.RequestCatalogManagementService.ListEntitlementsForAccess': anyone,
  'c1.api.requestcatalog.v1.RequestCatalogSearchService.SearchEntitlements': anyone,
  // Enrolling is requesting: a person for themselves (or a direct report; the service checks), else tasks:request_others.
  'gatehouse.RequestCatalog.Enroll': read('tasks:request_others', { narrow: {} }),
  'gatehouse.RequestCatalog.Unenroll': read('tasks:request_others', { narrow: {} }),
  // Access-request defaults: part of the app's settings.
  [`${app}.AppAccessRequestsDefaultsService.GetAppAccessRequestsDefaults`]: anyone,
  [`${app}.AppAccessRequestsDefaultsService.CreateAppAccessRequestsDefaults`]: appWrite('apps:write'),
  [`${app}.AppAccessRequestsDefaultsService.CancelAppAccessRequestsDefaults`]: appWrite('apps:write'),
  // Access requests. Anyone with a user may request for themselves (narrowed to their own user);
  // for someone else needs tasks:request_others. Reading is for the task's requester, subject and
  // approvers (the service checks; others get 404) or tasks:read. Actions: the engine checks the
  // caller against the step's approvers; tasks:act_any (Super and Access Request Administrators) acts on any.
  'c1.api.task.v1.TaskService.CreateGrantTask': read('tasks:request_others', {
    narrow: { bodyField: 'identityUserId', fillOnly: true },
  }),
  'c1.api.task.v1.TaskService.CreateRevokeTask': read('tasks:request_others', { narrow: { bodyField: 'identityUserId' } }),
  'c1.api.task.v1.TaskService.Get': read('tasks:read', { narrow: {} }),
  'c1.api.task.v1.TaskSearchService.Search': read('tasks:read', { narrow: {} }),
  'c1.api.task.v1.TaskAudit.List': read('tasks:read', { narrow: {} }),
  'c1.api.task.v1.TaskActionsService.Approve': read('tasks:act_any', { narrow: {} }),
  'c1.api.task.v1.TaskActionsService.Deny': read('tasks:act_any', { narrow: {} }),
  'c1.api.task.v1.TaskActionsService.Comment': read('tasks:act_any', { narrow: {} }),
  'c1.api.task.v1.TaskActionsService.Close': read('tasks:act_any', { narrow: {} }),
  'c1.api.task.v1.TaskActionsService.Reassign': read('tasks:act_any', { narrow: {} }),
  // The system log: Super and Read-Only Super Administrators.
  'c1.api.systemlog.v1.SystemLogService.ListEvents': read('systemlog:read'),
  // The service decides who besides administrators of requests may (docs/tasks.md, "Actions").
  'c1.api.task.v1.TaskActionsService.Restart': read('tasks:act_any', { narrow: {} }),
  'c1.api.task.v1.TaskActionsService.SkipStep': read('tasks:act_any', { narrow: {} }),
  'c1.api.task.v1.TaskActionsService.HardReset': read('tasks:act_any', { narrow: {} }),
  'c1.api.task.v1.TaskActionsService.ProcessNow': read('tasks:act_any', { narrow: {} }),
  'c1.api.task.v1.TaskActionsService.EscalateToEmergencyAccess': read('tasks:act_any', { narrow: {} }),
  'c1.api.task.v1.TaskActionsService.UpdateRequestData': read('tasks:act_any', { narrow: {} }),
  'c1.api.task.v1.TaskActionsService.UpdateGrantDuration': read('tasks:act_any', { narrow: {} }),
};

/** Role sets seen so far → their permissions: few distinct sets exist, and this runs on every request. */
const permissionCache = new Map<string, ReadonlySet<Permission>>();

/** The permissions of these roles together. */
export function permissionsOf(roleIds: readonly string[]): ReadonlySet<Permission> {
  const key = roleIds.join(',');
  let perms = permissionCache.get(key);
  if (!perms) {
    perms = new Set(roleIds.flatMap((id) => roleById.get(id)?.permissions ?? []));
    // Role ids are the eight built-ins, so the sets are bounded; the guard is for safety only.
    if (permissionCache.size > 1000) permissionCache.clear();
    permissionCache.set(key, perms);
  }
  return perms;
}

/** Whether one of these roles is Application Administrator (the app-owner relation is theirs). */
export const isAppAdmin = (roleIds: readonly string[]): boolean => roleIds.some((id) => roleById.get(id)?.key === 'app_admin');

/**
 * The owners of an app the caller creates: an Application Administrator (who may manage only
 * the apps they own) is added to them, or they could not manage what they made.
 */
export function ownersOfNewApp(caller: { userId?: string; roleIds: readonly string[] }, owners: string[] | undefined) {
  const manageAll = permissionsOf(caller.roleIds).has('apps:write');
  if (manageAll || !caller.userId) return owners;
  return [...new Set([...(owners ?? []), caller.userId])];
}
