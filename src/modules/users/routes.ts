import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { listRoute, operations, route, searchRoute } from '../../http/routes.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import type { Page } from '../../lib/paging.ts';
import { SearchUsersRequest, type User, UserGetResponse, UserListResponse } from './schemas.ts';
import { userFilterOf } from './service.ts';

const listOf = ({ list, nextPageToken }: Page<User>) => ({ list: list.map((user) => ({ user })), nextPageToken, expanded: [] });

export async function userRoutes(api: Api, core: Core): Promise<void> {
  const users = core.services.users;
  const tags = ['User'];
  const op = operations('c1.api.user.v1.UserService', tags);

  listRoute(
    api,
    '/users',
    {
      ...op(
        'List',
        'List identity users',
        "The tenant's identity users, oldest first, paged. C1's API has no user creation and neither has Gatehouse's: " +
          'users come from the `gatehouse users create` and `gatehouse users import` commands.',
      ),
      response: UserListResponse,
    },
    async (tenant, _p, page) => listOf(await users.search(tenant, {}, page)),
  );

  route(
    api,
    'GET',
    '/users/:id',
    {
      ...op('Get', 'Get an identity user', 'The user in a `userView`. 404 when no user of the tenant has this id.'),
      params: Type.Object({ id: Id }),
      response: UserGetResponse,
    },
    async (tenant, p) => ({ userView: { user: await users.get(tenant, p.id) }, expanded: [] }),
  );

  searchRoute(
    api,
    '/search/users',
    {
      operationId: 'c1.api.user.v1.UserSearch.Search',
      tags,
      summary: 'Search identity users',
      description:
        'Users matching every filter given: `query` (case-insensitive substring of display name, username or email), ' +
        '`email` (exact, any case), `ids` and `refs`, `excludeIds`, `userStatuses`, and the newer `managerIds`, ' +
        '`departments`, `jobTitles`, `isDelegate`, `delegatedUserIds`, `delegateStatus`, `origins`, `excludeOrigins`. ' +
        'Paged by `pageSize`/`pageToken` in the body; `expanded` is always empty.',
      body: SearchUsersRequest,
      response: UserListResponse,
    },
    async (tenant, b, page) => listOf(await users.search(tenant, userFilterOf(b), page)),
  );
}
