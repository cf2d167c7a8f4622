import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { PageQuery, pageRequest } from '../../http/paging.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import { SearchUsersRequest, UserGetResponse, UserListResponse } from './schemas.ts';

export async function userRoutes(api: Api, core: Core): Promise<void> {
  const users = core.services.users;
  const tags = ['User'];

  api.get(
    '/users',
    {
      schema: {
        operationId: 'c1.api.user.v1.UserService.List',
        tags,
        querystring: PageQuery,
        response: { 200: UserListResponse },
      },
    },
    async (req) => {
      const page = await users.search(req.principal.tenantId, {}, pageRequest(req.query.page_size, req.query.page_token));
      return { list: page.list.map((user) => ({ user })), nextPageToken: page.nextPageToken, expanded: [] };
    },
  );

  api.get(
    '/users/:id',
    {
      schema: {
        operationId: 'c1.api.user.v1.UserService.Get',
        tags,
        params: Type.Object({ id: Id }),
        response: { 200: UserGetResponse },
      },
    },
    async (req) => ({ userView: { user: await users.get(req.principal.tenantId, req.params.id) }, expanded: [] }),
  );

  api.post(
    '/search/users',
    {
      schema: {
        operationId: 'c1.api.user.v1.UserSearch.Search',
        tags,
        body: SearchUsersRequest,
        response: { 200: UserListResponse },
      },
    },
    async (req) => {
      const b = req.body;
      const ids = [...(b.ids ?? []), ...(b.refs ?? []).map((r) => r.id)];
      const page = await users.search(
        req.principal.tenantId,
        { query: b.query, email: b.email, ids, excludeIds: b.excludeIds, statuses: b.userStatuses },
        pageRequest(b.pageSize, b.pageToken, 'pageToken'),
      );
      return { list: page.list.map((user) => ({ user })), nextPageToken: page.nextPageToken, expanded: [] };
    },
  );
}
