import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { PageQuery, pageRequest } from '../../http/paging.ts';
import { Empty, EmptyBody, Id } from '../../http/schemas.ts';
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
  const IdParams = Type.Object({ id: Id });
  const AppIdParams = Type.Object({ app_id: Id });
  const OwnerParams = Type.Object({ app_id: Id, user_id: Id });

  api.post(
    '/apps',
    { schema: { operationId: 'c1.api.app.v1.Apps.Create', tags, body: CreateAppRequest, response: { 200: AppResponse } } },
    async (req) => ({ app: await apps.create(req.principal.tenantId, req.body) }),
  );

  api.get(
    '/apps',
    { schema: { operationId: 'c1.api.app.v1.Apps.List', tags, querystring: PageQuery, response: { 200: AppListResponse } } },
    async (req) => apps.search(req.principal.tenantId, {}, pageRequest(req.query.page_size, req.query.page_token)),
  );

  api.get(
    '/apps/:id',
    { schema: { operationId: 'c1.api.app.v1.Apps.Get', tags, params: IdParams, response: { 200: AppResponse } } },
    async (req) => ({ app: await apps.get(req.principal.tenantId, req.params.id) }),
  );

  api.post(
    '/apps/:id',
    {
      schema: {
        operationId: 'c1.api.app.v1.Apps.Update',
        tags,
        params: IdParams,
        body: UpdateAppRequest,
        response: { 200: AppResponse },
      },
    },
    async (req) => ({
      app: await apps.update(req.principal.tenantId, req.params.id, req.body.app, req.body.updateMask),
    }),
  );

  api.delete(
    '/apps/:id',
    { schema: { operationId: 'c1.api.app.v1.Apps.Delete', tags, params: IdParams, body: EmptyBody, response: { 200: Empty } } },
    async (req) => {
      await apps.delete(req.principal.tenantId, req.params.id);
      return {};
    },
  );

  api.post(
    '/search/apps',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppSearch.Search',
        tags,
        body: SearchAppsRequest,
        response: { 200: AppListResponse },
      },
    },
    async (req) => apps.search(req.principal.tenantId, req.body, pageRequest(req.body.pageSize, req.body.pageToken, 'pageToken')),
  );

  const ownerTags = ['App Owner'];
  api.get(
    '/apps/:app_id/owners',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppOwners.List',
        tags: ownerTags,
        params: AppIdParams,
        querystring: PageQuery,
        response: { 200: OwnerListResponse },
      },
    },
    async (req) =>
      apps.listOwners(req.principal.tenantId, req.params.app_id, pageRequest(req.query.page_size, req.query.page_token)),
  );

  api.put(
    '/apps/:app_id/owners',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppOwners.Set',
        tags: ownerTags,
        params: AppIdParams,
        body: SetOwnersRequest,
        response: { 200: Empty },
      },
    },
    async (req) => {
      await apps.setOwners(req.principal.tenantId, req.params.app_id, req.body.userIds ?? []);
      return {};
    },
  );

  api.post(
    '/apps/:app_id/owners/:user_id',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppOwners.Add',
        tags: ownerTags,
        params: OwnerParams,
        body: EmptyBody,
        response: { 200: Empty },
      },
    },
    async (req) => {
      await apps.addOwner(req.principal.tenantId, req.params.app_id, req.params.user_id);
      return {};
    },
  );

  api.delete(
    '/apps/:app_id/owners/:user_id',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppOwners.Remove',
        tags: ownerTags,
        params: OwnerParams,
        body: EmptyBody,
        response: { 200: Empty },
      },
    },
    async (req) => {
      await apps.removeOwner(req.principal.tenantId, req.params.app_id, req.params.user_id);
      return {};
    },
  );
}
