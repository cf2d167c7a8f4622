// C1's built-in roles. Ids are fixed (the same in every tenant and every release), so
// scripts may hard-code them; `name` is C1's internal name and `serviceRoles` the
// strings C1's introspect answers (C1's CLI `cone` checks them by prefix). The
// permissions are Gatehouse's (see authorization.ts and README "Authorization").

/** What a role allows; each operation names the one it needs in authorization.ts. */
export const PERMISSIONS = [
  'catalog:read',
  'apps:create',
  'apps:write',
  'resources:write',
  'entitlements:write',
  // Connectors of apps and the syncs uploaded to them.
  'connectors:write',
  // Which apps are directories (their syncs create and disable identity users).
  'directories:write',
  'app_users:read',
  'app_users:write',
  'grants:read',
  'grants:write',
  'users:read',
  'roles:read',
  'roles:write',
  'personal_clients:write',
  'personal_clients:read_all',
  'personal_clients:write_all',
  'policies:read',
  'policies:write',
  // Access requests: read every task; request access for someone else; act on any task's step.
  'tasks:read',
  'tasks:request_others',
  'tasks:act_any',
  // The system log (Super and Read-Only Super Administrators only: see below).
  'systemlog:read',
  'catalogs:write',
  // Webhooks: destinations that receive signed requests (and may reach internal systems: Super Administrators write them).
  'webhooks:read',
  'webhooks:write',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export type RoleKey =
  | 'super_admin'
  | 'read_only_admin'
  | 'app_admin'
  | 'access_request_admin'
  | 'helpdesk'
  | 'connector_admin'
  | 'campaign_admin'
  | 'basic_user';

export type BuiltinRole = {
  key: RoleKey;
  id: string;
  name: string;
  displayName: string;
  serviceRoles: string[];
  permissions: Permission[];
};

const ALL_READS = PERMISSIONS.filter((p) => p.endsWith(':read') || p.endsWith(':read_all'));
/** What every person may do: read the catalog and the roles, and manage their own clients. */
const BASIC: Permission[] = ['catalog:read', 'roles:read', 'personal_clients:write'];
/** What the administrators below Super Administrator read tenant-wide. */
const STAFF_READS: Permission[] = [...BASIC, 'users:read', 'app_users:read', 'grants:read', 'policies:read'];

export const BUILTIN_ROLES: readonly BuiltinRole[] = [
  {
    key: 'super_admin',
    id: '2JhXHWNrda0GBuPsfXY4w9W4VcK',
    name: 'system:super_admin',
    displayName: 'Super Administrator',
    serviceRoles: ['role/c1.api.tenant.v1.Tenant:owner'],
    permissions: [...PERMISSIONS],
  },
  {
    key: 'read_only_admin',
    id: '2JhXHfGxfQ7tfBpOWOWs7NzW5u0',
    name: 'system:viewer',
    displayName: 'Read-Only Super Administrator',
    serviceRoles: ['role/c1.api.tenant.v1.Tenant:viewer'],
    permissions: [...ALL_READS, 'personal_clients:write'],
  },
  {
    key: 'app_admin',
    id: '2JhXHmdhUdcAdgAeJ66eqQ9NkAQ',
    name: 'system:app_admin',
    displayName: 'Application Administrator',
    serviceRoles: ['role/c1.api.app.v1.Apps:owner'],
    // Writes on apps they own come from the app-owner relation (authorization.ts).
    permissions: [...STAFF_READS, 'apps:create'],
  },
  {
    key: 'access_request_admin',
    id: '2JhXHtvNG1yWWwqmLnkHkiziSnA',
    name: 'system:access_request_admin',
    displayName: 'Access Request Administrator',
    serviceRoles: ['role/c1.api.request.v1.Requests:owner'],
    permissions: [
      ...STAFF_READS,
      'policies:write',
      'tasks:read',
      'tasks:request_others',
      'tasks:act_any',
      'catalogs:write',
      'webhooks:read',
    ],
  },
  {
    key: 'helpdesk',
    id: '2JhXHyrVtBrfaR3gqvt7KQlTGfW',
    name: 'system:access_request_helpdesk',
    displayName: 'Access Request Helpdesk',
    serviceRoles: ['role/c1.api.request.v1.Requests:helpdesk'],
    permissions: [...STAFF_READS, 'tasks:read', 'tasks:request_others'],
  },
  {
    key: 'connector_admin',
    id: '2JhXI6rtrgDvYtMRQpEcnFOvAfT',
    name: 'system:connector_admin',
    displayName: 'Connector Administrator',
    serviceRoles: ['role/c1.api.app.v1.Connectors:owner'],
    permissions: [...STAFF_READS, 'connectors:write'],
  },
  {
    key: 'campaign_admin',
    id: '2JhXIHpSfCzDzNG5fpVtXubhglw',
    name: 'system:campaign_admin',
    displayName: 'Campaign Administrator',
    serviceRoles: ['role/c1.api.reviews.v1.Campaigns:owner'],
    permissions: STAFF_READS,
  },
  {
    key: 'basic_user',
    id: '2JhXILR4raMu2pEPHho2hNUqajG',
    name: 'system:basic_user',
    displayName: 'Basic User',
    serviceRoles: ['role/c1.api.tenant.v1.Tenant:user'],
    permissions: BASIC,
  },
];

export const roleByKey = Object.fromEntries(BUILTIN_ROLES.map((r) => [r.key, r])) as Record<RoleKey, BuiltinRole>;
export const roleById = new Map(BUILTIN_ROLES.map((r) => [r.id, r]));
export const ROLE_IDS = BUILTIN_ROLES.map((r) => r.id);
export const BASIC_USER_ROLE_ID = roleByKey.basic_user.id;

/**
 * A role named by id, internal name (`system:viewer`), key (`read_only_admin`) or
 * display name, in any case; how the CLI and CSV imports name roles.
 */
export function findRole(name: string): BuiltinRole | undefined {
  const n = name.trim().toLowerCase();
  return BUILTIN_ROLES.find(
    (r) => r.id.toLowerCase() === n || r.name === n || r.key === n.replaceAll('-', '_') || r.displayName.toLowerCase() === n,
  );
}

/** The roles of service clients (clients with no user), as `gatehouse clients create --role` names them. */
export const SERVICE_CLIENT_ROLES = { admin: roleByKey.super_admin.id, 'read-only': roleByKey.read_only_admin.id } as const;
