import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { expandOne, expandPage } from '../../http/expand.ts';
import { emptyRoute, expanded, listRoute, operations, route, searchRoute } from '../../http/routes.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import { OwnerListResponse } from '../apps/schemas.ts';
import { fillEntitlement } from './expand.ts';
import {
  AddEntitlementOwnerRequest,
  type AppEntitlementView,
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
  const op = operations('c1.api.app.v1.AppEntitlements', tags);
  const AppIdParams = Type.Object({ app_id: Id });
  const IdParams = Type.Object({ app_id: Id, id: Id });
  const view = async (tenant: string, v: Promise<AppEntitlementView>, mask?: { paths?: string[] }) => {
    const x = await expandOne(await v, mask?.paths, fillEntitlement(core, tenant));
    return { appEntitlementView: x.view, expanded: x.expanded };
  };

  route(
    api,
    'POST',
    '/apps/:app_id/entitlements',
    {
      ...op(
        'Create',
        'Create an entitlement',
        'Adds an entitlement to a manually managed app, on the app itself or on one of its resources ' +
          '(`appResourceTypeId` with `appResourceId`), with optional `slug`, owners and grant duration (`durationGrant`, ' +
          'e.g. `"3600s"`: grants then end on their own). A slug already used in the app is a 409; an unknown owner is a ' +
          '400 naming it; an app that is not manually managed is a 400 (FAILED_PRECONDITION); an unknown app or resource ' +
          "is a 404. Policy ids must name policies of the tenant of the field's type (grant and emergency grant: GRANT; " +
          'revoke: REVOKE; certify: CERTIFY), else a 400 naming the field. `expandMask` fills `expanded`.',
      ),
      params: AppIdParams,
      body: CreateEntitlementRequest,
      response: EntitlementResponse,
    },
    (tenant, p, body) => view(tenant, entitlements.create(tenant, p.app_id, body), body.expandMask),
  );

  listRoute(
    api,
    '/apps/:app_id/entitlements',
    {
      ...op('List', "List an app's entitlements", "The app's entitlements, oldest first, paged. 404 for an unknown app."),
      params: AppIdParams,
      response: EntitlementListResponse,
    },
    (tenant, p, page) => expanded(entitlements.list(tenant, p.app_id, page)),
  );

  listRoute(
    api,
    '/apps/:app_id/entitlements/resource_types/:app_resource_type_id/resources/:app_resource_id',
    {
      ...op(
        'ListForAppResource',
        'List the entitlements of a resource',
        'The entitlements made on one resource, paged. 404 for an unknown app, type or resource.',
      ),
      params: Type.Object({ app_id: Id, app_resource_type_id: Id, app_resource_id: Id }),
      response: EntitlementListResponse,
    },
    (tenant, p, page) =>
      expanded(entitlements.listForResource(tenant, p.app_id, p.app_resource_type_id, p.app_resource_id, page)),
  );

  route(
    api,
    'GET',
    '/apps/:app_id/entitlements/:id',
    {
      ...op(
        'Get',
        'Get an entitlement',
        'The entitlement in a view, with its grant count. 404 for an unknown app or entitlement.',
      ),
      params: IdParams,
      response: EntitlementResponse,
    },
    (tenant, p) => view(tenant, entitlements.get(tenant, p.app_id, p.id)),
  );

  route(
    api,
    'POST',
    '/apps/:app_id/entitlements/:id',
    {
      ...op(
        'Update',
        'Update an entitlement',
        'Changes the fields named in `updateMask` (display name, description, slug, duration, policy ids, ...); read-only ' +
          'fields in the mask are a 400 and a slug already used in the app a 409. A new duration applies to grants made ' +
          'afterwards. `expandMask` fills `expanded`. 404 for an unknown app or entitlement.',
      ),
      params: IdParams,
      body: UpdateEntitlementRequest,
      response: EntitlementResponse,
    },
    (tenant, p, b) =>
      view(
        tenant,
        entitlements.update(tenant, p.app_id, p.id, b.entitlement, b.updateMask, b.overrideAccessRequestsDefaults),
        b.expandMask,
      ),
  );

  emptyRoute(
    api,
    'DELETE',
    '/apps/:app_id/entitlements/:id',
    {
      ...op(
        'Delete',
        'Delete an entitlement',
        'Deletes an entitlement nobody holds (its past grants stay searchable). One with grants is a 400 ' +
          '(FAILED_PRECONDITION) saying how many: revoke them first. 404 for an unknown app or entitlement.',
      ),
      params: IdParams,
    },
    (tenant, p) => entitlements.delete(tenant, p.app_id, p.id),
  );

  searchRoute(
    api,
    '/search/entitlements',
    {
      operationId: 'c1.api.app.v1.AppEntitlementSearchService.Search',
      tags,
      summary: 'Search entitlements',
      description:
        'Entitlements of any app matching every filter given: `query`, `displayName`, `alias`, app, resource type, ' +
        'resource and app user ids (and exclusions), `refs`, `policyRefs`, `onlyGetExpiring`. Deleted entitlements are ' +
        'not kept, so `includeDeleted` changes nothing. `expandMask` fills `expanded`.',
      body: SearchEntitlementsRequest,
      response: EntitlementListResponse,
    },
    async (tenant, body, page) =>
      expandPage(await entitlements.search(tenant, body, page), body.expandMask?.paths, fillEntitlement(core, tenant)),
  );

  const owner = operations('c1.api.app.v1.AppEntitlementOwners', ['App Entitlement Owner']);
  const OwnersParams = Type.Object({ app_id: Id, entitlement_id: Id });
  const owners = '/apps/:app_id/entitlements/:entitlement_id/owners';

  listRoute(
    api,
    owners,
    {
      ...owner(
        'List',
        "List an entitlement's owners",
        'The users who own the entitlement, paged. 404 for an unknown app or entitlement.',
      ),
      params: OwnersParams,
      response: OwnerListResponse,
    },
    (tenant, p, page) => entitlements.listOwners(tenant, p.app_id, p.entitlement_id, page),
  );

  emptyRoute(
    api,
    'POST',
    owners,
    {
      ...owner(
        'Add',
        'Add an owner to an entitlement',
        'Makes `userId` an owner; adding an owner again changes nothing. A user id that is not a user of the tenant is a ' +
          '400 naming it; an unknown app or entitlement is a 404.',
      ),
      params: OwnersParams,
      body: AddEntitlementOwnerRequest,
    },
    (tenant, p, b) => entitlements.addOwner(tenant, p.app_id, p.entitlement_id, b.userId),
  );

  emptyRoute(
    api,
    'PUT',
    owners,
    {
      ...owner(
        'Set',
        "Replace an entitlement's owners",
        'The owners become exactly `userIds` (empty or absent: none). An unknown user is a 400 naming it, and the owners ' +
          'stay as they were. 404 for an unknown app or entitlement.',
      ),
      params: OwnersParams,
      body: SetEntitlementOwnersRequest,
    },
    (tenant, p, b) => entitlements.setOwners(tenant, p.app_id, p.entitlement_id, b.userIds ?? []),
  );

  emptyRoute(
    api,
    'DELETE',
    `${owners}/:user_id`,
    {
      ...owner(
        'Remove',
        'Remove an owner from an entitlement',
        'The user is no longer an owner. Removing a user who is not an owner answers 200 and changes nothing; an unknown ' +
          'app or entitlement is a 404.',
      ),
      params: Type.Object({ app_id: Id, entitlement_id: Id, user_id: Id }),
    },
    (tenant, p) => entitlements.removeOwner(tenant, p.app_id, p.entitlement_id, p.user_id),
  );
}
