import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { PageQuery, pageRequest } from '../../http/paging.ts';
import { EmptyBody, Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import { EntitlementListResponse } from '../entitlements/schemas.ts';
import {
  AddManualUsersRequest,
  AddManualUsersResponse,
  BindingResponse,
  BindingsResponse,
  EntitlementUsersResponse,
  GrantListResponse,
  PastGrantsResponse,
  RemoveMembershipRequest,
  RemoveMembershipResponse,
  SearchGrantsRequest,
  SearchPastGrantsRequest,
  UpdateGrantDurationRequest,
} from './schemas.ts';

export async function grantRoutes(api: Api, core: Core): Promise<void> {
  const grants = core.services.grants;
  const reads = grants.reads;
  const tags = ['App Entitlement'];
  const bindingTags = ['App Entitlement User Binding'];
  const EntParams = Type.Object({ app_id: Id, app_entitlement_id: Id });
  const BindingParams = Type.Object({ app_id: Id, app_entitlement_id: Id, app_user_id: Id });

  api.post(
    '/apps/:app_id/entitlements/:app_entitlement_id/add-manual-user',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlements.AddManuallyManagedMembers',
        tags,
        params: EntParams,
        body: AddManualUsersRequest,
        response: { 200: AddManualUsersResponse },
      },
    },
    async (req) =>
      grants.addManualUsers(req.principal.tenantId, req.params.app_id, req.params.app_entitlement_id, req.body.userIds ?? []),
  );

  api.delete(
    '/apps/:app_id/entitlements/:app_entitlement_id/remove-membership',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlements.RemoveEntitlementMembership',
        tags,
        params: EntParams,
        body: RemoveMembershipRequest,
        response: { 200: RemoveMembershipResponse },
      },
    },
    async (req) => {
      await grants.removeMembership(req.principal.tenantId, req.params.app_id, req.params.app_entitlement_id, req.body.appUserId);
      return {};
    },
  );

  api.get(
    '/apps/:app_id/entitlements/:app_entitlement_id/users',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlements.ListUsers',
        tags,
        params: EntParams,
        querystring: PageQuery,
        response: { 200: EntitlementUsersResponse },
      },
    },
    async (req) => ({
      ...(await reads.listUsers(
        req.principal.tenantId,
        req.params.app_id,
        req.params.app_entitlement_id,
        pageRequest(req.query.page_size, req.query.page_token),
      )),
      expanded: [],
    }),
  );

  api.get(
    '/apps/:app_id/entitlements/users/:app_user_id',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlements.ListForAppUser',
        tags,
        params: Type.Object({ app_id: Id, app_user_id: Id }),
        querystring: PageQuery,
        response: { 200: EntitlementListResponse },
      },
    },
    async (req) => ({
      ...(await reads.listForAppUser(
        req.principal.tenantId,
        req.params.app_id,
        req.params.app_user_id,
        pageRequest(req.query.page_size, req.query.page_token),
      )),
      expanded: [],
    }),
  );

  api.post(
    '/search/grants',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlementSearchService.SearchGrants',
        tags,
        body: SearchGrantsRequest,
        response: { 200: GrantListResponse },
      },
    },
    async (req) => ({
      ...(await reads.search(req.principal.tenantId, req.body, pageRequest(req.body.pageSize, req.body.pageToken, 'pageToken'))),
      expanded: [],
    }),
  );

  api.get(
    '/apps/:app_id/entitlements/:app_entitlement_id/users/:identity_user_id/grants',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlementUserBindingService.ListAppUsersForIdentityWithGrant',
        tags: bindingTags,
        params: Type.Object({ app_id: Id, app_entitlement_id: Id, identity_user_id: Id }),
        response: { 200: BindingsResponse },
      },
    },
    async (req) => ({
      bindings: await reads.listForIdentity(
        req.principal.tenantId,
        req.params.app_id,
        req.params.app_entitlement_id,
        req.params.identity_user_id,
      ),
    }),
  );

  api.post(
    '/apps/:app_id/entitlements/:app_entitlement_id/users/:app_user_id/update-grant-duration',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlementUserBindingService.UpdateGrantDuration',
        tags: bindingTags,
        params: BindingParams,
        body: UpdateGrantDurationRequest,
        response: { 200: BindingResponse },
      },
    },
    async (req) => ({
      binding: await grants.updateDuration(
        req.principal.tenantId,
        req.params.app_id,
        req.params.app_entitlement_id,
        req.params.app_user_id,
        req.body.newDeprovisionAt,
      ),
    }),
  );

  api.post(
    '/apps/:app_id/entitlements/:app_entitlement_id/users/:app_user_id/remove-grant-duration',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlementUserBindingService.RemoveGrantDuration',
        tags: bindingTags,
        params: BindingParams,
        body: EmptyBody,
        response: { 200: BindingResponse },
      },
    },
    async (req) => ({
      binding: await grants.removeDuration(
        req.principal.tenantId,
        req.params.app_id,
        req.params.app_entitlement_id,
        req.params.app_user_id,
      ),
    }),
  );

  api.post(
    '/search/past-grants',
    {
      schema: {
        operationId: 'c1.api.app.v1.AppEntitlementUserBindingService.SearchPastGrants',
        tags: ['App Entitlement User Binding History'],
        body: SearchPastGrantsRequest,
        response: { 200: PastGrantsResponse },
      },
    },
    async (req) => ({
      ...(await reads.searchPast(
        req.principal.tenantId,
        req.body,
        pageRequest(req.body.pageSize, req.body.pageToken, 'pageToken'),
      )),
      expanded: [],
    }),
  );
}
