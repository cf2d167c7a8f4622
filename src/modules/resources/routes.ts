import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { emptyRoute, listRoute, operations, route, searchRoute } from '../../http/routes.ts';
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
  const op = operations('c1.api.app.v1.AppResourceService', tags);
  const base = '/apps/:app_id/resource_types/:app_resource_type_id/resources';

  route(
    api,
    'POST',
    base,
    {
      ...op(
        'CreateManuallyManagedAppResource',
        'Create a resource',
        'Adds a resource (`displayName`, `description`, `matchBatonId`, owners in `resourceOwnerUserIds`) under a resource ' +
          'type of a manually managed app. A `matchBatonId` already used in the type is a 409; an owner that is not a user ' +
          'of the tenant is a 400 naming it; an unknown app or type is a 404. Nothing is created on any error.',
      ),
      params: TypeParams,
      body: CreateResourceRequest,
      response: CreateResourceResponse,
    },
    async (tenant, p, body) => ({ appResource: await resources.create(tenant, p.app_id, p.app_resource_type_id, body) }),
  );

  listRoute(
    api,
    base,
    {
      ...op(
        'List',
        'List the resources of a resource type',
        "The type's resources, oldest first, paged. 404 for an unknown app or type.",
      ),
      params: TypeParams,
      response: ResourceListResponse,
    },
    async (tenant, p, page) => listOf(await resources.list(tenant, p.app_id, p.app_resource_type_id, page)),
  );

  route(
    api,
    'GET',
    `${base}/:id`,
    {
      ...op(
        'Get',
        'Get a resource',
        'The resource in a view (no expand mask in C1 here). 404 for an unknown app, type or resource.',
      ),
      params: ResourceParams,
      response: ResourceViewResponse,
    },
    async (tenant, p) => view(await resources.get(tenant, p.app_id, p.app_resource_type_id, p.id)),
  );

  route(
    api,
    'POST',
    `${base}/:id`,
    {
      ...op(
        'Update',
        'Update a resource',
        'Changes the fields named in `updateMask` (`displayName`, `description`, ...); read-only fields in the mask are a ' +
          '400. `expandMask` (`app_id`, `app_resource_type_id`, `*`) puts the app and type in `expanded`. 404 for an ' +
          'unknown app, type or resource.',
      ),
      params: ResourceParams,
      body: UpdateResourceRequest,
      response: ResourceViewResponse,
    },
    async (tenant, p, b) =>
      resources.view(
        tenant,
        await resources.update(tenant, p.app_id, p.app_resource_type_id, p.id, b.appResource, b.updateMask),
        b.expandMask?.paths,
      ),
  );

  emptyRoute(
    api,
    'DELETE',
    `${base}/:id`,
    {
      ...op(
        'DeleteManuallyManagedAppResource',
        'Delete a resource',
        'Deletes the resource, its owners and its entitlements. A resource whose entitlements are still granted is a 400 ' +
          '(FAILED_PRECONDITION) saying how many grants: revoke them first. 404 for an unknown app, type or resource.',
      ),
      params: ResourceParams,
    },
    (tenant, p) => resources.delete(tenant, p.app_id, p.app_resource_type_id, p.id),
  );

  searchRoute(
    api,
    '/search/app_resources',
    {
      operationId: 'c1.api.app.v1.AppResourceSearch.SearchAppResources',
      tags,
      summary: 'Search resources',
      description:
        'Resources matching every filter given: `appId`, `resourceTypeIds`, trait ids and their exclusions, ' +
        '`resourceIds`, `excludeResourceIds`, `refs`, and `query` (case-insensitive substring of the display name or ' +
        'description). Gatehouse does not filter by app user: `appUserIds` is a 400.',
      body: SearchResourcesRequest,
      response: ResourceListResponse,
    },
    async (tenant, body, page) => listOf(await resources.search(tenant, body, page)),
  );

  await ownerRoutes(api, core);
}

async function ownerRoutes(api: Api, core: Core): Promise<void> {
  const resources = core.services.resources;
  const op = operations('c1.api.app.v1.AppResourceOwners', ['App Resource Owner']);
  const params = Type.Object({ app_id: Id, resource_type_id: Id, resource_id: Id });
  const path = '/apps/:app_id/resource_types/:resource_type_id/resource/:resource_id/owners';

  listRoute(
    api,
    path,
    {
      ...op(
        'List',
        "List a resource's owners",
        'The users who own the resource, paged. 404 for an unknown app, type or resource.',
      ),
      params,
      response: OwnerListResponse,
    },
    (tenant, p, page) => resources.listOwners(tenant, p.app_id, p.resource_type_id, p.resource_id, page),
  );

  emptyRoute(
    api,
    'POST',
    path,
    {
      ...op(
        'Add',
        'Add an owner to a resource',
        'Makes `userId` an owner of the resource; adding an owner again changes nothing. A user id that is not a user of ' +
          'the tenant is a 400 naming it; an unknown app, type or resource is a 404.',
      ),
      params,
      body: OwnerRequest,
    },
    (tenant, p, b) => resources.addOwner(tenant, p.app_id, p.resource_type_id, p.resource_id, b.userId),
  );

  emptyRoute(
    api,
    'DELETE',
    path,
    {
      ...op(
        'Remove',
        'Remove an owner from a resource',
        '`userId` is no longer an owner. Removing a user who is not an owner answers 200 and changes nothing; an unknown ' +
          'app, type or resource is a 404.',
      ),
      params,
      body: OwnerRequest,
    },
    (tenant, p, b) => resources.removeOwner(tenant, p.app_id, p.resource_type_id, p.resource_id, b.userId),
  );
}
