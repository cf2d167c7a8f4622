import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { expandPage } from '../../http/expand.ts';
import { expanded, listRoute, route, searchRoute } from '../../http/routes.ts';
import { EmptyBody, Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import { fillEntitlement } from '../entitlements/expand.ts';
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
  const op = (name: string) => ({ operationId: `c1.api.app.v1.AppEntitlements.${name}`, tags });
  const binding = (name: string) => ({
    operationId: `c1.api.app.v1.AppEntitlementUserBindingService.${name}`,
    tags: ['App Entitlement User Binding'],
  });
  const EntParams = Type.Object({ app_id: Id, app_entitlement_id: Id });
  const BindingParams = Type.Object({ app_id: Id, app_entitlement_id: Id, app_user_id: Id });
  const ent = '/apps/:app_id/entitlements/:app_entitlement_id';

  route(
    api,
    'POST',
    `${ent}/add-manual-user`,
    { ...op('AddManuallyManagedMembers'), params: EntParams, body: AddManualUsersRequest, response: AddManualUsersResponse },
    (tenant, p, b) => grants.addManualUsers(tenant, p.app_id, p.app_entitlement_id, b.userIds ?? []),
  );

  route(
    api,
    'DELETE',
    `${ent}/remove-membership`,
    {
      ...op('RemoveEntitlementMembership'),
      params: EntParams,
      body: RemoveMembershipRequest,
      response: RemoveMembershipResponse,
    },
    async (tenant, p, b) => {
      await grants.removeMembership(tenant, p.app_id, p.app_entitlement_id, b.appUserId);
      return {};
    },
  );

  listRoute(
    api,
    `${ent}/users`,
    { ...op('ListUsers'), params: EntParams, response: EntitlementUsersResponse },
    (tenant, p, page) => expanded(reads.listUsers(tenant, p.app_id, p.app_entitlement_id, page)),
  );

  listRoute(
    api,
    '/apps/:app_id/entitlements/users/:app_user_id',
    { ...op('ListForAppUser'), params: Type.Object({ app_id: Id, app_user_id: Id }), response: EntitlementListResponse },
    (tenant, p, page) => expanded(reads.listForAppUser(tenant, p.app_id, p.app_user_id, page)),
  );

  searchRoute(
    api,
    '/search/grants',
    {
      operationId: 'c1.api.app.v1.AppEntitlementSearchService.SearchGrants',
      tags,
      body: SearchGrantsRequest,
      response: GrantListResponse,
    },
    async (tenant, body, page) => {
      // The mask is an entitlement mask: it expands each grant's entitlement view.
      const fill = fillEntitlement(core, tenant);
      return expandPage(await reads.search(tenant, body, page), body.expandMask?.paths, async (grant, x) => {
        grant.entitlement = { ...grant.entitlement };
        await fill(grant.entitlement, x);
      });
    },
  );

  route(
    api,
    'GET',
    `${ent}/users/:identity_user_id/grants`,
    {
      ...binding('ListAppUsersForIdentityWithGrant'),
      params: Type.Object({ app_id: Id, app_entitlement_id: Id, identity_user_id: Id }),
      response: BindingsResponse,
    },
    async (tenant, p) => ({ bindings: await reads.listForIdentity(tenant, p.app_id, p.app_entitlement_id, p.identity_user_id) }),
  );

  route(
    api,
    'POST',
    `${ent}/users/:app_user_id/update-grant-duration`,
    { ...binding('UpdateGrantDuration'), params: BindingParams, body: UpdateGrantDurationRequest, response: BindingResponse },
    async (tenant, p, b) => ({
      binding: await grants.updateDuration(tenant, p.app_id, p.app_entitlement_id, p.app_user_id, b.newDeprovisionAt),
    }),
  );

  route(
    api,
    'POST',
    `${ent}/users/:app_user_id/remove-grant-duration`,
    { ...binding('RemoveGrantDuration'), params: BindingParams, body: EmptyBody, response: BindingResponse },
    async (tenant, p) => ({ binding: await grants.removeDuration(tenant, p.app_id, p.app_entitlement_id, p.app_user_id) }),
  );

  searchRoute(
    api,
    '/search/past-grants',
    {
      operationId: 'c1.api.app.v1.AppEntitlementUserBindingService.SearchPastGrants',
      tags: ['App Entitlement User Binding History'],
      body: SearchPastGrantsRequest,
      response: PastGrantsResponse,
    },
    (tenant, body, page) => expanded(reads.searchPast(tenant, body, page)),
  );
}
