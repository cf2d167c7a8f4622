import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { type Page, PageQuery, pageRequest } from '../../http/paging.ts';
import { Empty, EmptyBody, Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
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

/** Nothing is expanded (no expand mask is honoured yet), so views carry no paths. */
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
  const op = (name: string) => `c1.api.app.v1.AppResourceService.${name}`;
  const base = '/apps/:app_id/resource_types/:app_resource_type_id/resources';

  api.post(
    base,
    {
      schema: {
        operationId: op('CreateManuallyManagedAppResource'),
        tags,
        params: TypeParams,
        body: CreateResourceRequest,
        response: { 200: CreateResourceResponse },
      },
    },
    async (req) => ({
      appResource: await resources.create(req.principal.tenantId, req.params.app_id, req.params.app_resource_type_id, req.body),
    }),
  );

  api.get(
    base,
    {
      schema: {
        operationId: op('List'),
        tags,
        params: TypeParams,
        querystring: PageQuery,
        response: { 200: ResourceListResponse },
      },
    },
    async (req) =>
      listOf(
        await resources.list(
          req.principal.tenantId,
          req.params.app_id,
          req.params.app_resource_type_id,
          pageRequest(req.query.page_size, req.query.page_token),
        ),
      ),
  );

  api.get(
    `${base}/:id`,
    { schema: { operationId: op('Get'), tags, params: ResourceParams, response: { 200: ResourceViewResponse } } },
    async (req) =>
      view(await resources.get(req.principal.tenantId, req.params.app_id, req.params.app_resource_type_id, req.params.id)),
  );

  api.post(
    `${base}/:id`,
    {
      schema: {
        operationId: op('Update'),
        tags,
        params: ResourceParams,
        body: UpdateResourceRequest,
        response: { 200: ResourceViewResponse },
      },
    },
    async (req) =>
      view(
        await resources.update(
          req.principal.tenantId,
          req.params.app_id,
          req.params.app_resource_type_id,
          req.params.id,
          req.body.appResource,
          req.body.updateMask,
        ),
      ),
  );

  api.delete(
    `${base}/:id`,
    {
      schema: {
        operationId: op('DeleteManuallyManagedAppResource'),
        tags,
        params: ResourceParams,
        body: EmptyBody,
        response: { 200: Empty },
      },
    },
    async (req) => {
      await resources.delete(req.principal.tenantId, req.params.app_id, req.params.app_resource_type_id, req.params.id);
      return {};
    },
  );

  api.post(
    '/search/app_resources',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppResourceSearch.SearchAppResources',
        tags,
        body: SearchResourcesRequest,
        response: { 200: ResourceListResponse },
      },
    },
    async (req) =>
      listOf(
        await resources.search(req.principal.tenantId, req.body, pageRequest(req.body.pageSize, req.body.pageToken, 'pageToken')),
      ),
  );

  await ownerRoutes(api, core);
}

async function ownerRoutes(api: Api, core: Core): Promise<void> {
  const resources = core.services.resources;
  const tags = ['App Resource Owner'];
  const Params = Type.Object({ app_id: Id, resource_type_id: Id, resource_id: Id });
  const op = (name: string) => `c1.api.app.v1.AppResourceOwners.${name}`;
  const path = '/apps/:app_id/resource_types/:resource_type_id/resource/:resource_id/owners';

  api.get(
    path,
    { schema: { operationId: op('List'), tags, params: Params, querystring: PageQuery, response: { 200: OwnerListResponse } } },
    async (req) =>
      resources.listOwners(
        req.principal.tenantId,
        req.params.app_id,
        req.params.resource_type_id,
        req.params.resource_id,
        pageRequest(req.query.page_size, req.query.page_token),
      ),
  );

  api.post(
    path,
    { schema: { operationId: op('Add'), tags, params: Params, body: OwnerRequest, response: { 200: Empty } } },
    async (req) => {
      const p = req.params;
      await resources.addOwner(req.principal.tenantId, p.app_id, p.resource_type_id, p.resource_id, req.body.userId);
      return {};
    },
  );

  api.delete(
    path,
    { schema: { operationId: op('Remove'), tags, params: Params, body: OwnerRequest, response: { 200: Empty } } },
    async (req) => {
      const p = req.params;
      await resources.removeOwner(req.principal.tenantId, p.app_id, p.resource_type_id, p.resource_id, req.body.userId);
      return {};
    },
  );
}
