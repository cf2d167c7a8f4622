import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { emptyRoute, listRoute, route, searchRoute } from '../../http/routes.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
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
  const op = (name: string) => ({ operationId: `c1.api.app.v1.Apps.${name}`, tags });
  const IdParams = Type.Object({ id: Id });

  route(api, 'POST', '/apps', { ...op('Create'), body: CreateAppRequest, response: AppResponse }, async (tenant, _p, body) => ({
    app: await apps.create(tenant, body),
  }));

  listRoute(api, '/apps', { ...op('List'), response: AppListResponse }, (tenant, _p, page) => apps.search(tenant, {}, page));

  route(api, 'GET', '/apps/:id', { ...op('Get'), params: IdParams, response: AppResponse }, async (tenant, p) => ({
    app: await apps.get(tenant, p.id),
  }));

  route(
    api,
    'POST',
    '/apps/:id',
    { ...op('Update'), params: IdParams, body: UpdateAppRequest, response: AppResponse },
    async (tenant, p, b) => ({ app: await apps.update(tenant, p.id, b.app, b.updateMask) }),
  );

  emptyRoute(api, 'DELETE', '/apps/:id', { ...op('Delete'), params: IdParams }, (tenant, p) => apps.delete(tenant, p.id));

  searchRoute(
    api,
    '/search/apps',
    { operationId: 'c1.api.app.v1.AppSearch.Search', tags, body: SearchAppsRequest, response: AppListResponse },
    (tenant, body, page) => apps.search(tenant, body, page),
  );

  const owner = (name: string) => ({ operationId: `c1.api.app.v1.AppOwners.${name}`, tags: ['App Owner'] });
  const AppIdParams = Type.Object({ app_id: Id });
  const OwnerParams = Type.Object({ app_id: Id, user_id: Id });

  listRoute(
    api,
    '/apps/:app_id/owners',
    { ...owner('List'), params: AppIdParams, response: OwnerListResponse },
    (tenant, p, page) => apps.listOwners(tenant, p.app_id, page),
  );

  emptyRoute(
    api,
    'PUT',
    '/apps/:app_id/owners',
    { ...owner('Set'), params: AppIdParams, body: SetOwnersRequest },
    (tenant, p, b) => apps.setOwners(tenant, p.app_id, b.userIds ?? []),
  );

  emptyRoute(api, 'POST', '/apps/:app_id/owners/:user_id', { ...owner('Add'), params: OwnerParams }, (tenant, p) =>
    apps.addOwner(tenant, p.app_id, p.user_id),
  );

  emptyRoute(api, 'DELETE', '/apps/:app_id/owners/:user_id', { ...owner('Remove'), params: OwnerParams }, (tenant, p) =>
    apps.removeOwner(tenant, p.app_id, p.user_id),
  );
}
