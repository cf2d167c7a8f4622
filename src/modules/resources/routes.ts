import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { emptyRoute, listRoute, route, searchRoute } from '../../http/routes.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import type { Page } from '../../lib/paging.ts';
import {
  type AppResource,
  CreateResourceRequest,
  CreateResourceResponse,
  OwnerListResponse,
  OwnerRequest,
  ResourceListResponse,
  ResourceViewResponse,
  SearchResourcesRequest,
  UpdateResourceRequest,
} from './schemas.ts';

/** Get, list and search take no expand mask in C1: their views carry no paths. */
const view = (appResource: AppResource) => ({ appResourceView: { appResource }, expanded: [] });
const listOf = (page: Page<AppResource>) => ({
  list: page.list.map((appResource) => ({ appResource })),
  nextPageToken: page.nextPageToken,
  expanded: [],
});

export async function resourceRoutes(api: Api, core: Core): Promise<void> {
  const resources = core.services.resources;
  const tags = ['App Resource'];
  const TypeParams = Type.Object({ app_id: Id, app_resource_type_id: Id });
  const ResourceParams = Type.Object({ app_id: Id, app_resource_type_id: Id, id: Id });
  const op = (name: string) => ({ operationId: `c1.api.app.v1.AppResourceService.${name}`, tags });
  const base = '/apps/:app_id/resource_types/:app_resource_type_id/resources';

  route(
    api,
    'POST',
    base,
    {
      ...op('CreateManuallyManagedAppResource'),
      params: TypeParams,
      body: CreateResourceRequest,
      response: CreateResourceResponse,
    },
    async (tenant, p, body) => ({ appResource: await resources.create(tenant, p.app_id, p.app_resource_type_id, body) }),
  );

  listRoute(api, base, { ...op('List'), params: TypeParams, response: ResourceListResponse }, async (tenant, p, page) =>
    listOf(await resources.list(tenant, p.app_id, p.app_resource_type_id, page)),
  );

  route(api, 'GET', `${base}/:id`, { ...op('Get'), params: ResourceParams, response: ResourceViewResponse }, async (tenant, p) =>
    view(await resources.get(tenant, p.app_id, p.app_resource_type_id, p.id)),
  );

  route(
    api,
    'POST',
    `${base}/:id`,
    { ...op('Update'), params: ResourceParams, body: UpdateResourceRequest, response: ResourceViewResponse },
    async (tenant, p, b) =>
      resources.view(
        tenant,
        await resources.update(tenant, p.app_id, p.app_resource_type_id, p.id, b.appResource, b.updateMask),
        b.expandMask?.paths,
      ),
  );

  emptyRoute(api, 'DELETE', `${base}/:id`, { ...op('DeleteManuallyManagedAppResource'), params: ResourceParams }, (tenant, p) =>
    resources.delete(tenant, p.app_id, p.app_resource_type_id, p.id),
  );

  searchRoute(
    api,
    '/search/app_resources',
    {
      operationId: 'c1.api.app.v1.AppResourceSearch.SearchAppResources',
      tags,
      body: SearchResourcesRequest,
      response: ResourceListResponse,
    },
    async (tenant, body, page) => listOf(await resources.search(tenant, body, page)),
  );

  await ownerRoutes(api, core);
}

async function ownerRoutes(api: Api, core: Core): Promise<void> {
  const resources = core.services.resources;
  const op = (name: string) => ({ operationId: `c1.api.app.v1.AppResourceOwners.${name}`, tags: ['App Resource Owner'] });
  const params = Type.Object({ app_id: Id, resource_type_id: Id, resource_id: Id });
  const path = '/apps/:app_id/resource_types/:resource_type_id/resource/:resource_id/owners';

  listRoute(api, path, { ...op('List'), params, response: OwnerListResponse }, (tenant, p, page) =>
    resources.listOwners(tenant, p.app_id, p.resource_type_id, p.resource_id, page),
  );

  emptyRoute(api, 'POST', path, { ...op('Add'), params, body: OwnerRequest }, (tenant, p, b) =>
    resources.addOwner(tenant, p.app_id, p.resource_type_id, p.resource_id, b.userId),
  );

  emptyRoute(api, 'DELETE', path, { ...op('Remove'), params, body: OwnerRequest }, (tenant, p, b) =>
    resources.removeOwner(tenant, p.app_id, p.resource_type_id, p.resource_id, b.userId),
  );
}
