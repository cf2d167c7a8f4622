import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { emptyRoute, listRoute, operations, route, searchRoute } from '../../http/routes.ts';
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
  const op = operations('c1.api.app.v1.AppResourceTypeService', tags);
  const base = '/apps/:app_id/resource_types';

  route(
    api,
    'POST',
    base,
    {
      ...op(
        'CreateManuallyManagedResourceType',
        'Create a resource type in an app',
        'Adds a resource type (`displayName` and a `resourceType` kind: ROLE, GROUP, LICENSE, PROJECT, CATALOG, CUSTOM or ' +
          'VAULT) to a manually managed app. 404 for an unknown app.',
      ),
      params: AppParams,
      body: CreateResourceTypeRequest,
      response: ResourceTypeResponse,
    },
    async (tenant, p, body) => ({ appResourceType: await types.create(tenant, p.app_id, body), expanded: [] }),
  );

  listRoute(
    api,
    base,
    {
      ...op('List', "List an app's resource types", "The app's resource types, oldest first, paged. 404 for an unknown app."),
      params: AppParams,
      response: ResourceTypeListResponse,
    },
    async (tenant, p, page) => {
      const { list, nextPageToken } = await types.list(tenant, p.app_id, page);
      return { list: list.map((appResourceType) => ({ appResourceType })), nextPageToken, expanded: [] };
    },
  );

  route(
    api,
    'GET',
    `${base}/:id`,
    {
      ...op('Get', 'Get a resource type', 'The resource type in a view. 404 when the app has no resource type with this id.'),
      params: TypeParams,
      response: ResourceTypeGetResponse,
    },
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
      ...op(
        'UpdateManuallyManagedResourceType',
        'Update a resource type',
        'Changes `displayName` and/or the kind (`traitIds`, exactly one trait) as `updateMask` says. Read-only fields in ' +
          'the mask are a 400; an unknown app or type is a 404.',
      ),
      params: TypeParams,
      body: UpdateResourceTypeRequest,
      response: ResourceTypeResponse,
    },
    async (tenant, p, b) => ({
      appResourceType: await types.update(tenant, p.app_id, p.id, b.appResourceType, b.updateMask),
      expanded: [],
    }),
  );

  emptyRoute(
    api,
    'DELETE',
    `${base}/:id`,
    {
      ...op(
        'DeleteManuallyManagedResourceType',
        'Delete a resource type',
        'Deletes an empty resource type. A type that still has resources is a 400 (FAILED_PRECONDITION) saying how many: ' +
          'delete them first. 404 for an unknown app or type.',
      ),
      params: TypeParams,
    },
    (tenant, p) => types.delete(tenant, p.app_id, p.id),
  );

  searchRoute(
    api,
    '/search/app_resource_types',
    {
      operationId: 'c1.api.app.v1.AppResourceSearch.SearchAppResourceTypes',
      tags: ['App Resource'],
      summary: 'Search resource types',
      description:
        'Resource types of any app matching every filter given: `appIds`, `query` and `displayName` (case-insensitive ' +
        'substring), `resourceTypeIds`, `excludeResourceTypeIds`, trait ids and their exclusions. Gatehouse does not ' +
        'filter by app user: `appUserIds` is a 400.',
      body: SearchResourceTypesRequest,
      response: ResourceTypeSearchResponse,
    },
    (tenant, body, page) => types.search(tenant, body, page),
  );
}
