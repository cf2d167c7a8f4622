import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { PageQuery, pageRequest } from '../../http/paging.ts';
import { Empty, EmptyBody, Id } from '../../http/schemas.ts';
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
  const op = (name: string) => `c1.api.app.v1.AppResourceTypeService.${name}`;

  api.post(
    '/apps/:app_id/resource_types',
    {
      schema: {
        operationId: op('CreateManuallyManagedResourceType'),
        tags,
        params: AppParams,
        body: CreateResourceTypeRequest,
        response: { 200: ResourceTypeResponse },
      },
    },
    async (req) => ({
      appResourceType: await types.create(req.principal.tenantId, req.params.app_id, req.body),
      expanded: [],
    }),
  );

  api.get(
    '/apps/:app_id/resource_types',
    {
      schema: {
        operationId: op('List'),
        tags,
        params: AppParams,
        querystring: PageQuery,
        response: { 200: ResourceTypeListResponse },
      },
    },
    async (req) => {
      const page = await types.list(
        req.principal.tenantId,
        req.params.app_id,
        pageRequest(req.query.page_size, req.query.page_token),
      );
      return { list: page.list.map((appResourceType) => ({ appResourceType })), nextPageToken: page.nextPageToken, expanded: [] };
    },
  );

  api.get(
    '/apps/:app_id/resource_types/:id',
    { schema: { operationId: op('Get'), tags, params: TypeParams, response: { 200: ResourceTypeGetResponse } } },
    async (req) => ({
      appResourceTypeView: { appResourceType: await types.get(req.principal.tenantId, req.params.app_id, req.params.id) },
      expanded: [],
    }),
  );

  api.post(
    '/apps/:app_id/resource_types/:id',
    {
      schema: {
        operationId: op('UpdateManuallyManagedResourceType'),
        tags,
        params: TypeParams,
        body: UpdateResourceTypeRequest,
        response: { 200: ResourceTypeResponse },
      },
    },
    async (req) => ({
      appResourceType: await types.update(
        req.principal.tenantId,
        req.params.app_id,
        req.params.id,
        req.body.appResourceType,
        req.body.updateMask,
      ),
      expanded: [],
    }),
  );

  api.delete(
    '/apps/:app_id/resource_types/:id',
    {
      schema: {
        operationId: op('DeleteManuallyManagedResourceType'),
        tags,
        params: TypeParams,
        body: EmptyBody,
        response: { 200: Empty },
      },
    },
    async (req) => {
      await types.delete(req.principal.tenantId, req.params.app_id, req.params.id);
      return {};
    },
  );

  api.post(
    '/search/app_resource_types',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppResourceSearch.SearchAppResourceTypes',
        tags: ['App Resource'],
        body: SearchResourceTypesRequest,
        response: { 200: ResourceTypeSearchResponse },
      },
    },
    async (req) =>
      types.search(req.principal.tenantId, req.body, pageRequest(req.body.pageSize, req.body.pageToken, 'pageToken')),
  );
}
