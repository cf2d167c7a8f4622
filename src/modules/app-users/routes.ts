import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { PageQuery, pageRequest } from '../../http/paging.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import { AppUserListResponse, AppUserResponse, SearchAppUsersRequest, UpdateAppUserRequest } from './schemas.ts';

export async function appUserRoutes(api: Api, core: Core): Promise<void> {
  const appUsers = core.services.appUsers;
  const tags = ['AppUsers'];

  api.get(
    '/apps/:app_id/app_users',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppUserService.List',
        tags,
        params: Type.Object({ app_id: Id }),
        querystring: PageQuery,
        response: { 200: AppUserListResponse },
      },
    },
    async (req) => ({
      ...(await appUsers.list(req.principal.tenantId, req.params.app_id, pageRequest(req.query.page_size, req.query.page_token))),
      expanded: [],
    }),
  );

  api.get(
    '/apps/:app_id/users/:user_id/app_users',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppUserService.ListAppUsersForUser',
        tags,
        params: Type.Object({ app_id: Id, user_id: Id }),
        querystring: PageQuery,
        response: { 200: AppUserListResponse },
      },
    },
    async (req) => ({
      ...(await appUsers.listForUser(
        req.principal.tenantId,
        req.params.app_id,
        req.params.user_id,
        pageRequest(req.query.page_size, req.query.page_token),
      )),
      expanded: [],
    }),
  );

  api.post(
    '/apps/:app_user_app_id/app_users/:app_user_id',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppUserService.Update',
        tags,
        params: Type.Object({ app_user_app_id: Id, app_user_id: Id }),
        body: UpdateAppUserRequest,
        response: { 200: AppUserResponse },
      },
    },
    async (req) => ({
      appUserView: await appUsers.update(
        req.principal.tenantId,
        req.params.app_user_app_id,
        req.params.app_user_id,
        req.body.appUser,
        req.body.updateMask,
      ),
      expanded: [],
    }),
  );

  api.post(
    '/search/app_users',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppUserService.Search',
        tags,
        body: SearchAppUsersRequest,
        response: { 200: AppUserListResponse },
      },
    },
    async (req) => ({
      ...(await appUsers.search(
        req.principal.tenantId,
        req.body,
        pageRequest(req.body.pageSize, req.body.pageToken, 'pageToken'),
      )),
      expanded: [],
    }),
  );
}
