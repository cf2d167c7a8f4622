import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { expandOne, expandPage } from '../../http/expand.ts';
import { expanded, listRoute, operations, route, searchRoute } from '../../http/routes.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import { fillAppUser } from './expand.ts';
import { AppUserListResponse, AppUserResponse, SearchAppUsersRequest, UpdateAppUserRequest } from './schemas.ts';

export async function appUserRoutes(api: Api, core: Core): Promise<void> {
  const appUsers = core.services.appUsers;
  const op = operations('c1.api.app.v1.AppUserService', ['AppUsers']);

  listRoute(
    api,
    '/apps/:app_id/app_users',
    {
      ...op(
        'List',
        "List an app's accounts (app users)",
        'The accounts of the app, oldest first, paged. Gatehouse makes an app user when an entitlement of a manually ' +
          'managed app is first granted to an identity user. 404 for an unknown app.',
      ),
      params: Type.Object({ app_id: Id }),
      response: AppUserListResponse,
    },
    (tenant, p, page) => expanded(appUsers.list(tenant, p.app_id, page)),
  );

  listRoute(
    api,
    '/apps/:app_id/users/:user_id/app_users',
    {
      ...op(
        'ListAppUsersForUser',
        "An identity user's accounts in an app",
        'The app users of the app that belong to the identity user, paged; none is an empty list. 404 for an unknown app.',
      ),
      params: Type.Object({ app_id: Id, user_id: Id }),
      response: AppUserListResponse,
    },
    (tenant, p, page) => expanded(appUsers.listForUser(tenant, p.app_id, p.user_id, page)),
  );

  route(
    api,
    'POST',
    '/apps/:app_user_app_id/app_users/:app_user_id',
    {
      ...op(
        'Update',
        'Update an app user',
        'Changes the fields of the account named in `updateMask`; read-only fields in the mask are a 400. `expandMask` ' +
          '(`app_id`, `identity_user_id`, `*`) fills `expanded`. 404 for an unknown app or app user.',
      ),
      params: Type.Object({ app_user_app_id: Id, app_user_id: Id }),
      body: UpdateAppUserRequest,
      response: AppUserResponse,
    },
    async (tenant, p, b) => {
      const view = await appUsers.update(tenant, p.app_user_app_id, p.app_user_id, b.appUser, b.updateMask);
      const x = await expandOne(view, b.expandMask?.paths, fillAppUser(core, tenant));
      return { appUserView: x.view, expanded: x.expanded };
    },
  );

  searchRoute(
    api,
    '/search/app_users',
    {
      ...op(
        'Search',
        'Search app users',
        'Accounts of any app matching every filter given: `appId`, `query`, `appUserIds`, `excludeAppUserIds`, `refs`, ' +
          '`userIds` (identity users), `appUserTypes`, `appUserStatuses`, `appUserDomains` (every account Gatehouse keeps ' +
          "is of the tenant's own domain). `expandMask` fills `expanded`; `last_usage` is accepted and expands nothing " +
          '(Gatehouse keeps no usage data).',
      ),
      body: SearchAppUsersRequest,
      response: AppUserListResponse,
    },
    async (tenant, body, page) =>
      expandPage(await appUsers.search(tenant, body, page), body.expandMask?.paths, fillAppUser(core, tenant)),
  );
}
