import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { PageQuery, pageRequest } from '../../http/paging.ts';
import { Empty, EmptyBody, Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import { OwnerListResponse } from '../apps/schemas.ts';
import {
  AddEntitlementOwnerRequest,
  CreateEntitlementRequest,
  EntitlementListResponse,
  EntitlementResponse,
  SearchEntitlementsRequest,
  SetEntitlementOwnersRequest,
  UpdateEntitlementRequest,
} from './schemas.ts';

export async function entitlementRoutes(api: Api, core: Core): Promise<void> {
  const entitlements = core.services.entitlements;
  const tags = ['App Entitlement'];
  const AppIdParams = Type.Object({ app_id: Id });
  const IdParams = Type.Object({ app_id: Id, id: Id });

  api.post(
    '/apps/:app_id/entitlements',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlements.Create',
        tags,
        params: AppIdParams,
        body: CreateEntitlementRequest,
        response: { 200: EntitlementResponse },
      },
    },
    async (req) => ({
      appEntitlementView: await entitlements.create(req.principal.tenantId, req.params.app_id, req.body),
      expanded: [],
    }),
  );

  api.get(
    '/apps/:app_id/entitlements',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlements.List',
        tags,
        params: AppIdParams,
        querystring: PageQuery,
        response: { 200: EntitlementListResponse },
      },
    },
    async (req) => ({
      ...(await entitlements.list(
        req.principal.tenantId,
        req.params.app_id,
        pageRequest(req.query.page_size, req.query.page_token),
      )),
      expanded: [],
    }),
  );

  api.get(
    '/apps/:app_id/entitlements/resource_types/:app_resource_type_id/resources/:app_resource_id',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlements.ListForAppResource',
        tags,
        params: Type.Object({ app_id: Id, app_resource_type_id: Id, app_resource_id: Id }),
        querystring: PageQuery,
        response: { 200: EntitlementListResponse },
      },
    },
    async (req) => ({
      ...(await entitlements.listForResource(
        req.principal.tenantId,
        req.params.app_id,
        req.params.app_resource_type_id,
        req.params.app_resource_id,
        pageRequest(req.query.page_size, req.query.page_token),
      )),
      expanded: [],
    }),
  );

  api.get(
    '/apps/:app_id/entitlements/:id',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlements.Get',
        tags,
        params: IdParams,
        response: { 200: EntitlementResponse },
      },
    },
    async (req) => ({
      appEntitlementView: await entitlements.get(req.principal.tenantId, req.params.app_id, req.params.id),
      expanded: [],
    }),
  );

  api.post(
    '/apps/:app_id/entitlements/:id',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlements.Update',
        tags,
        params: IdParams,
        body: UpdateEntitlementRequest,
        response: { 200: EntitlementResponse },
      },
    },
    async (req) => ({
      appEntitlementView: await entitlements.update(
        req.principal.tenantId,
        req.params.app_id,
        req.params.id,
        req.body.entitlement,
        req.body.updateMask,
        req.body.overrideAccessRequestsDefaults,
      ),
      expanded: [],
    }),
  );

  api.delete(
    '/apps/:app_id/entitlements/:id',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlements.Delete',
        tags,
        params: IdParams,
        body: EmptyBody,
        response: { 200: Empty },
      },
    },
    async (req) => {
      await entitlements.delete(req.principal.tenantId, req.params.app_id, req.params.id);
      return {};
    },
  );

  api.post(
    '/search/entitlements',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlementSearchService.Search',
        tags,
        body: SearchEntitlementsRequest,
        response: { 200: EntitlementListResponse },
      },
    },
    async (req) => ({
      ...(await entitlements.search(
        req.principal.tenantId,
        req.body,
        pageRequest(req.body.pageSize, req.body.pageToken, 'pageToken'),
      )),
      expanded: [],
    }),
  );

  const ownerTags = ['App Entitlement Owner'];
  const OwnersParams = Type.Object({ app_id: Id, entitlement_id: Id });

  api.get(
    '/apps/:app_id/entitlements/:entitlement_id/owners',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlementOwners.List',
        tags: ownerTags,
        params: OwnersParams,
        querystring: PageQuery,
        response: { 200: OwnerListResponse },
      },
    },
    async (req) =>
      entitlements.listOwners(
        req.principal.tenantId,
        req.params.app_id,
        req.params.entitlement_id,
        pageRequest(req.query.page_size, req.query.page_token),
      ),
  );

  api.post(
    '/apps/:app_id/entitlements/:entitlement_id/owners',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlementOwners.Add',
        tags: ownerTags,
        params: OwnersParams,
        body: AddEntitlementOwnerRequest,
        response: { 200: Empty },
      },
    },
    async (req) => {
      await entitlements.addOwner(req.principal.tenantId, req.params.app_id, req.params.entitlement_id, req.body.userId);
      return {};
    },
  );

  api.put(
    '/apps/:app_id/entitlements/:entitlement_id/owners',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlementOwners.Set',
        tags: ownerTags,
        params: OwnersParams,
        body: SetEntitlementOwnersRequest,
        response: { 200: Empty },
      },
    },
    async (req) => {
      await entitlements.setOwners(req.principal.tenantId, req.params.app_id, req.params.entitlement_id, req.body.userIds ?? []);
      return {};
    },
  );

  api.delete(
    '/apps/:app_id/entitlements/:entitlement_id/owners/:user_id',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlementOwners.Remove',
        tags: ownerTags,
        params: Type.Object({ app_id: Id, entitlement_id: Id, user_id: Id }),
        body: EmptyBody,
        response: { 200: Empty },
      },
    },
    async (req) => {
      await entitlements.removeOwner(req.principal.tenantId, req.params.app_id, req.params.entitlement_id, req.params.user_id);
      return {};
    },
  );
}
