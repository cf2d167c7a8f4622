import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { emptyRoute, listRoute, operations, route, searchRoute } from '../../http/routes.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import { ownersOfNewApp } from '../roles/authorization.ts';
import {
  AppListResponse,
  AppResponse,
  CreateAppRequest,
  OwnerListResponse,
  SearchAppsRequest,
  SetOwnersRequest,
  UpdateAppRequest,
} from './schemas.ts';

export async function appRoutes(api: Api, core: Core): Promise<void> {
  const apps = core.services.apps;
  const tags = ['App'];
  const op = operations('c1.api.app.v1.Apps', tags);
  const IdParams = Type.Object({ id: Id });

  route(
    api,
    'POST',
    '/apps',
    {
      ...op(
        'Create',
        'Create an app',
        "Creates a manually managed app in the caller's tenant and answers it; it stays so until a connector is added " +
          '(`/apps/{app_id}/connectors`, whose uploaded syncs then own its resources). `grantPolicyId`, `revokePolicyId` and `certifyPolicyId` must name policies of the ' +
          'tenant of that type (else a 400 naming the field); empty text names none. ' +
          '`owners` must be users of the tenant: an unknown one is a 400 naming it, and nothing is created. An ' +
          'Application Administrator who creates an app becomes one of its owners (they manage only the apps they own).',
      ),
      body: CreateAppRequest,
      response: AppResponse,
    },
    async (tenant, _p, body, caller) => ({
      app: await apps.create(tenant, { ...body, owners: ownersOfNewApp(caller, body.owners) }),
    }),
  );

  listRoute(
    api,
    '/apps',
    {
      ...op(
        'List',
        'List apps',
        "The tenant's apps, oldest first, paged by `page_size` (default 25, clamped to 10..100) and `page_token`. " +
          'A malformed page token is a 400.',
      ),
      response: AppListResponse,
    },
    (tenant, _p, page) => apps.search(tenant, {}, page),
  );

  route(
    api,
    'GET',
    '/apps/:id',
    {
      ...op('Get', 'Get an app', 'The app with its owners and user count. 404 when no app of the tenant has this id.'),
      params: IdParams,
      response: AppResponse,
    },
    async (tenant, p) => ({
      app: await apps.get(tenant, p.id),
    }),
  );

  route(
    api,
    'POST',
    '/apps/:id',
    {
      ...op(
        'Update',
        'Update an app',
        'Changes the fields named in `updateMask` (camelCase, comma-separated; `*` for all writable fields) and answers the ' +
          'app. Read-only fields in the mask are a 400; an unknown app is a 404. Owners change through the App Owner ' +
          'operations.',
      ),
      params: IdParams,
      body: UpdateAppRequest,
      response: AppResponse,
    },
    async (tenant, p, b) => ({ app: await apps.update(tenant, p.id, b.app, b.updateMask) }),
  );

  emptyRoute(
    api,
    'DELETE',
    '/apps/:id',
    {
      ...op(
        'Delete',
        'Delete an app',
        'Deletes the app and, in the same transaction, everything under it: its owners, resource types, resources, ' +
          'entitlements, app users and grants. 404 for an unknown app.',
      ),
      params: IdParams,
    },
    (tenant, p) => apps.delete(tenant, p.id),
  );

  searchRoute(
    api,
    '/search/apps',
    {
      operationId: 'c1.api.app.v1.AppSearch.Search',
      tags,
      summary: 'Search apps',
      description:
        'Apps matching every filter given: `query` and `displayName` (case-insensitive substring), `appIds`, ' +
        '`excludeAppIds`, `onlyDirectories`, `policyRefs`. Paged by `pageSize`/`pageToken` in the body. A read: ' +
        'read-only clients may call it.',
      body: SearchAppsRequest,
      response: AppListResponse,
    },
    (tenant, body, page) => apps.search(tenant, body, page),
  );

  const owner = operations('c1.api.app.v1.AppOwners', ['App Owner']);
  const AppIdParams = Type.Object({ app_id: Id });
  const OwnerParams = Type.Object({ app_id: Id, user_id: Id });

  listRoute(
    api,
    '/apps/:app_id/owners',
    {
      ...owner('List', "List an app's owners", 'The users who own the app, paged. 404 for an unknown app.'),
      params: AppIdParams,
      response: OwnerListResponse,
    },
    (tenant, p, page) => apps.listOwners(tenant, p.app_id, page),
  );

  emptyRoute(
    api,
    'PUT',
    '/apps/:app_id/owners',
    {
      ...owner(
        'Set',
        "Replace an app's owners",
        "The app's owners become exactly `userIds` (empty or absent: no owners). A user id that is not a user of the tenant " +
          'is a 400 naming it, and the owners stay as they were. 404 for an unknown app.',
      ),
      params: AppIdParams,
      body: SetOwnersRequest,
    },
    (tenant, p, b) => apps.setOwners(tenant, p.app_id, b.userIds ?? []),
  );

  emptyRoute(
    api,
    'POST',
    '/apps/:app_id/owners/:user_id',
    {
      ...owner(
        'Add',
        'Add an owner to an app',
        'Makes the user an owner of the app; adding an owner again changes nothing. A user id that is not a user of the ' +
          'tenant is a 400 naming it; an unknown app is a 404.',
      ),
      params: OwnerParams,
    },
    (tenant, p) => apps.addOwner(tenant, p.app_id, p.user_id),
  );

  emptyRoute(
    api,
    'DELETE',
    '/apps/:app_id/owners/:user_id',
    {
      ...owner(
        'Remove',
        'Remove an owner from an app',
        'The user is no longer an owner. Removing a user who is not an owner answers 200 and changes nothing; an unknown ' +
          'app is a 404.',
      ),
      params: OwnerParams,
    },
    (tenant, p) => apps.removeOwner(tenant, p.app_id, p.user_id),
  );
}
