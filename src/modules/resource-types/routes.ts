import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { emptyRoute, listRoute, route, searchRoute } from '../../http/routes.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import {
  CreateResourceTypeRequest,
  ResourceTypeGetResponse,
  ResourceTypeListResponse,
  ResourceTypeResponse,
  ResourceTypeSearchResponse,
  SearchResourceTypesRequest,
  UpdateResourceTypeRequest,
} from './schemas.ts';

export async function resourceTypeRoutes(api: Api, core: Core): Promise<void> {
  const types = core.services.resourceTypes;
  const tags = ['App Resource Type'];
  const AppParams = Type.Object({ app_id: Id });
  const TypeParams = Type.Object({ app_id: Id, id: Id });
  const op = (name: string) => ({ operationId: `c1.api.app.v1.AppResourceTypeService.${name}`, tags });
  const base = '/apps/:app_id/resource_types';

  route(
    api,
    'POST',
    base,
    {
      ...op('CreateManuallyManagedResourceType'),
      params: AppParams,
      body: CreateResourceTypeRequest,
      response: ResourceTypeResponse,
    },
    async (tenant, p, body) => ({ appResourceType: await types.create(tenant, p.app_id, body), expanded: [] }),
  );

  listRoute(api, base, { ...op('List'), params: AppParams, response: ResourceTypeListResponse }, async (tenant, p, page) => {
    const { list, nextPageToken } = await types.list(tenant, p.app_id, page);
    return { list: list.map((appResourceType) => ({ appResourceType })), nextPageToken, expanded: [] };
  });

  route(
    api,
    'GET',
    `${base}/:id`,
    { ...op('Get'), params: TypeParams, response: ResourceTypeGetResponse },
    async (tenant, p) => ({
      appResourceTypeView: { appResourceType: await types.get(tenant, p.app_id, p.id) },
      expanded: [],
    }),
  );

  route(
    api,
    'POST',
    `${base}/:id`,
    {
      ...op('UpdateManuallyManagedResourceType'),
      params: TypeParams,
      body: UpdateResourceTypeRequest,
      response: ResourceTypeResponse,
    },
    async (tenant, p, b) => ({
      appResourceType: await types.update(tenant, p.app_id, p.id, b.appResourceType, b.updateMask),
      expanded: [],
    }),
  );

  emptyRoute(api, 'DELETE', `${base}/:id`, { ...op('DeleteManuallyManagedResourceType'), params: TypeParams }, (tenant, p) =>
    types.delete(tenant, p.app_id, p.id),
  );

  searchRoute(
    api,
    '/search/app_resource_types',
    {
      operationId: 'c1.api.app.v1.AppResourceSearch.SearchAppResourceTypes',
      tags: ['App Resource'],
      body: SearchResourceTypesRequest,
      response: ResourceTypeSearchResponse,
    },
    (tenant, body, page) => types.search(tenant, body, page),
  );
}
