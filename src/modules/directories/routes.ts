import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { emptyRoute, listRoute, operations, route } from '../../http/routes.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import { CreateDirectoryRequest, DirectoryListResponse, DirectoryResponse } from './schemas.ts';

const AppParams = Type.Object({ app_id: Id });

export async function directoryRoutes(api: Api, core: Core): Promise<void> {
  const directories = core.services.directories;
  const op = operations('c1.api.directory.v1.DirectoryService', ['Directory']);

  route(
    api,
    'POST',
    '/directories',
    {
      ...op(
        'Create',
        'Make an app a directory',
        "From the app's next sync on, its accounts create and update identity users (origin `USER_ORIGIN_DIRECTORY`), " +
          'and users it no longer has are disabled once no directory has them (docs/connectors.md). Which accounts: ' +
          '`all` (the default) or those `celExpression.expression` accepts (CEL over `appUser`: `id`, `displayName`, ' +
          '`email`, `emails`, `username`, `status`, `appUserType`, `employeeIds`, `profile`). Both, an expression that ' +
          'does not compile, or an unknown `appId` is a 400 naming the field; an app that is a directory already, 409. ' +
          '`directoryMergeConfig` and `expandMask` are accepted and ignored.',
      ),
      body: CreateDirectoryRequest,
      response: DirectoryResponse,
    },
    async (tenant, _p, body) => ({ directoryView: { directory: await directories.create(tenant, body) }, expanded: [] }),
  );

  listRoute(
    api,
    '/directories',
    {
      ...op('List', 'List directories', 'The apps that are directories, paged by `page_size` and `page_token`.'),
      params: Type.Object({}),
      response: DirectoryListResponse,
    },
    async (tenant, _p, page) => {
      const found = await directories.list(tenant, page);
      return { list: found.list.map((directory) => ({ directory })), nextPageToken: found.nextPageToken, expanded: [] };
    },
  );

  route(
    api,
    'GET',
    '/directories/:app_id',
    {
      ...op(
        'Get',
        'Get a directory',
        'The directory of the app, with its account filter (`all` or `celExpression`). 404 when the app is not a directory.',
      ),
      params: AppParams,
      response: DirectoryResponse,
    },
    async (tenant, p) => ({ directoryView: { directory: await directories.get(tenant, p.app_id) }, expanded: [] }),
  );

  emptyRoute(
    api,
    'DELETE',
    '/directories/:app_id',
    {
      ...op(
        'Delete',
        'Stop an app being a directory',
        "The app's users lose it from `directoryIds`; those it made that no other directory has are disabled (never " +
          'deleted). The app and its accounts stay. 404 when the app is not a directory.',
      ),
      params: AppParams,
    },
    (tenant, p) => directories.delete(tenant, p.app_id),
  );
}
