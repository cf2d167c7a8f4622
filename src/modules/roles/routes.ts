import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { listRoute, operations, route } from '../../http/routes.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import { IntrospectResponse, RoleListResponse, RoleResponse, UpdateRoleRequest } from './schemas.ts';

export async function roleRoutes(api: Api, core: Core): Promise<void> {
  const roles = core.services.roles;
  const op = operations('c1.api.iam.v1.Roles', ['Role']);

  listRoute(
    api,
    '/iam/roles',
    {
      ...op(
        'List',
        'List roles',
        "C1's eight built-in roles (`systemBuiltin: true`), with fixed ids that are the same in every tenant and " +
          'release, and the permissions each gives (README, "Authorization"). Ordered by id; paged like every list.',
      ),
      response: RoleListResponse,
    },
    async (tenant, _p, page) => roles.list(tenant, page),
  );

  route(
    api,
    'GET',
    '/iam/roles/:role_id',
    {
      ...op('Get', 'Get a role', 'One role by id; 404 for an id that is no role.'),
      params: Type.Object({ role_id: Id }),
      response: RoleResponse,
    },
    async (tenant, p) => ({ role: await roles.get(tenant, p.role_id) }),
  );

  route(
    api,
    'POST',
    '/iam/roles/:role_id',
    {
      ...op(
        'Update',
        'Rename a role',
        'Built-in roles keep their permissions and service roles: an update that would change them is 400 ' +
          'FAILED_PRECONDITION (code 9). `displayName` may change (1 to 256 characters), per tenant. `updateMask` ' +
          'names the fields (`display_name`, `permissions`, `service_roles`; read-only ones are 400); without it, ' +
          'the writable fields present are the mask.',
      ),
      params: Type.Object({ role_id: Id }),
      body: UpdateRoleRequest,
      response: RoleResponse,
    },
    async (tenant, p, b) => ({ role: await roles.update(tenant, p.role_id, b.role, b.updateMask) }),
  );

  route(
    api,
    'GET',
    '/auth/introspect',
    {
      operationId: 'c1.api.auth.v1.Auth.Introspect',
      tags: ['Auth'],
      summary: 'Who is calling',
      description:
        "The caller's client (`principleId`: the client id), its user (`userId`; empty for a service client), " +
        'the service roles of the roles it acts with (`roles`, e.g. `role/c1.api.tenant.v1.Tenant:owner` for a ' +
        "Super Administrator, as C1 answers and `cone` checks), the permissions those roles give (Gatehouse's names, " +
        'README "Authorization") and `features` (none). Any authenticated caller may call it.',
      response: IntrospectResponse,
    },
    async (_tenant, _p, _b, caller) => roles.introspect(caller),
  );
}
