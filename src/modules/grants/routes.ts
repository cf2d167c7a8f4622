import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { expandPage } from '../../http/expand.ts';
import { expanded, expandedKept, listRoute, operations, route, searchRoute } from '../../http/routes.ts';
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
  const op = operations('c1.api.app.v1.AppEntitlements', tags);
  const binding = operations('c1.api.app.v1.AppEntitlementUserBindingService', ['App Entitlement User Binding']);
  const EntParams = Type.Object({ app_id: Id, app_entitlement_id: Id });
  const BindingParams = Type.Object({ app_id: Id, app_entitlement_id: Id, app_user_id: Id });
  const ent = '/apps/:app_id/entitlements/:app_entitlement_id';

  route(
    api,
    'POST',
    `${ent}/add-manual-user`,
    {
      ...op(
        'AddManuallyManagedMembers',
        'Grant an entitlement to users',
        "Grants the entitlement to each identity user in `userIds`, creating the user's account in the app (app user) " +
          'when needed; a user who already holds it keeps the grant. Ids that are no user of the tenant are answered in ' +
          '`failedUsersErrorMap`, the others are granted. An empty `userIds` is a 400; an app that is not manually ' +
          'managed is a 400 (FAILED_PRECONDITION); an unknown app or entitlement is a 404. With a grant duration on the ' +
          'entitlement, the grants end on their own.',
      ),
      params: EntParams,
      body: AddManualUsersRequest,
      response: AddManualUsersResponse,
    },
    (tenant, p, b, caller) => grants.addManualUsers(tenant, p.app_id, p.app_entitlement_id, b.userIds ?? [], caller.userId),
  );

  route(
    api,
    'DELETE',
    `${ent}/remove-membership`,
    {
      ...op(
        'RemoveEntitlementMembership',
        'Revoke an entitlement from an app user',
        'Revokes the grant the app user (`appUserId`) holds and records it in the grant history; an app user holding ' +
          'none answers 200 and changes nothing. Gatehouse revokes at once: no revoke task is made, so `revokeTaskId` ' +
          'is absent. 404 for an unknown app, entitlement or app user.',
      ),
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
    {
      ...op(
        'ListUsers',
        'List who holds an entitlement',
        'The app users holding the entitlement, with each grant, paged. 404 for an unknown app or entitlement.',
      ),
      params: EntParams,
      response: EntitlementUsersResponse,
    },
    (tenant, p, page) => expandedKept(reads.listUsers(tenant, p.app_id, p.app_entitlement_id, page)),
  );

  listRoute(
    api,
    '/apps/:app_id/entitlements/users/:app_user_id',
    {
      ...op(
        'ListForAppUser',
        'List the entitlements an app user holds',
        'The entitlements granted to one account of the app, paged. 404 for an unknown app or app user.',
      ),
      params: Type.Object({ app_id: Id, app_user_id: Id }),
      response: EntitlementListResponse,
    },
    (tenant, p, page) => expanded(reads.listForAppUser(tenant, p.app_id, p.app_user_id, page)),
  );

  searchRoute(
    api,
    '/search/grants',
    {
      operationId: 'c1.api.app.v1.AppEntitlementSearchService.SearchGrants',
      tags,
      summary: 'Search grants (who has what)',
      description:
        'Current grants matching every filter given: `appIds`, `appUserIds`, `userId` (the identity user), ' +
        '`resourceIds`, `resourceTypeIds`, `entitlementRefs`. Each grant comes with its entitlement; `expandMask` ' +
        '(`app_id`, `app_resource_type_id`, `app_resource_id`, `*`) fills `expanded` for those entitlements.',
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
      ...binding(
        'ListAppUsersForIdentityWithGrant',
        "An identity user's grants of an entitlement",
        "The binding of the identity user's account in the app for this entitlement (when granted, when it ends; no " +
          '`grantSources` when the account does not hold it). No account in the app: an empty list. 404 for an unknown ' +
          'app, entitlement or user.',
      ),
      params: Type.Object({ app_id: Id, app_entitlement_id: Id, identity_user_id: Id }),
      response: BindingsResponse,
    },
    async (tenant, p) => ({ bindings: await reads.listForIdentity(tenant, p.app_id, p.app_entitlement_id, p.identity_user_id) }),
  );

  route(
    api,
    'POST',
    `${ent}/users/:app_user_id/update-grant-duration`,
    {
      ...binding(
        'UpdateGrantDuration',
        'Set when a grant ends',
        'The grant ends at `newDeprovisionAt` (RFC 3339, in the future; otherwise a 400): a background sweep revokes it ' +
          'then and records it in the grant history. 404 for an unknown app, entitlement, app user or grant.',
      ),
      params: BindingParams,
      body: UpdateGrantDurationRequest,
      response: BindingResponse,
    },
    async (tenant, p, b) => ({
      binding: await grants.updateDuration(tenant, p.app_id, p.app_entitlement_id, p.app_user_id, b.newDeprovisionAt),
    }),
  );

  route(
    api,
    'POST',
    `${ent}/users/:app_user_id/remove-grant-duration`,
    {
      ...binding(
        'RemoveGrantDuration',
        'Make a grant permanent',
        "Removes the grant's end date. 404 for an unknown app, entitlement, app user or grant.",
      ),
      params: BindingParams,
      body: EmptyBody,
      response: BindingResponse,
    },
    async (tenant, p) => ({ binding: await grants.removeDuration(tenant, p.app_id, p.app_entitlement_id, p.app_user_id) }),
  );

  searchRoute(
    api,
    '/search/past-grants',
    {
      operationId: 'c1.api.app.v1.AppEntitlementUserBindingService.SearchPastGrants',
      tags: ['App Entitlement User Binding History'],
      summary: 'Search the grant history',
      description:
        'Grants that ended (revoked by hand, expired, or deleted with their app), with when they started and ' +
        'ended, filtered by `appIds`, `appEntitlementRefs` and `appUserRefs`. `expandMask` is accepted and expands ' +
        'nothing (`expanded` is empty).',
      body: SearchPastGrantsRequest,
      response: PastGrantsResponse,
    },
    (tenant, body, page) => expanded(reads.searchPast(tenant, body, page)),
  );
}
