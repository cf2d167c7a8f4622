import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { listRoute, route, searchRoute } from '../../http/routes.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import type { Page } from '../../lib/paging.ts';
import { SearchUsersRequest, type User, UserGetResponse, UserListResponse } from './schemas.ts';
import { userFilterOf } from './service.ts';

const listOf = ({ list, nextPageToken }: Page<User>) => ({ list: list.map((user) => ({ user })), nextPageToken, expanded: [] });

export async function userRoutes(api: Api, core: Core): Promise<void> {
  const users = core.services.users;
  const tags = ['User'];
  const op = (name: string) => ({ operationId: `c1.api.user.v1.UserService.${name}`, tags });

  listRoute(api, '/users', { ...op('List'), response: UserListResponse }, async (tenant, _p, page) =>
    listOf(await users.search(tenant, {}, page)),
  );

  route(
    api,
    'GET',
    '/users/:id',
    { ...op('Get'), params: Type.Object({ id: Id }), response: UserGetResponse },
    async (tenant, p) => ({ userView: { user: await users.get(tenant, p.id) }, expanded: [] }),
  );

  searchRoute(
    api,
    '/search/users',
    { operationId: 'c1.api.user.v1.UserSearch.Search', tags, body: SearchUsersRequest, response: UserListResponse },
    async (tenant, b, page) => listOf(await users.search(tenant, userFilterOf(b), page)),
  );
}
