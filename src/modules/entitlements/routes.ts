import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { expandOne, expandPage } from '../../http/expand.ts';
import { emptyRoute, expanded, listRoute, route, searchRoute } from '../../http/routes.ts';
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
  const op = (name: string) => ({ operationId: `c1.api.app.v1.AppEntitlements.${name}`, tags });
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
    { ...op('Create'), params: AppIdParams, body: CreateEntitlementRequest, response: EntitlementResponse },
    (tenant, p, body) => view(tenant, entitlements.create(tenant, p.app_id, body), body.expandMask),
  );

  listRoute(
    api,
    '/apps/:app_id/entitlements',
    { ...op('List'), params: AppIdParams, response: EntitlementListResponse },
    (tenant, p, page) => expanded(entitlements.list(tenant, p.app_id, page)),
  );

  listRoute(
    api,
    '/apps/:app_id/entitlements/resource_types/:app_resource_type_id/resources/:app_resource_id',
    {
      ...op('ListForAppResource'),
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
    { ...op('Get'), params: IdParams, response: EntitlementResponse },
    (tenant, p) => view(tenant, entitlements.get(tenant, p.app_id, p.id)),
  );

  route(
    api,
    'POST',
    '/apps/:app_id/entitlements/:id',
    { ...op('Update'), params: IdParams, body: UpdateEntitlementRequest, response: EntitlementResponse },
    (tenant, p, b) =>
      view(
        tenant,
        entitlements.update(tenant, p.app_id, p.id, b.entitlement, b.updateMask, b.overrideAccessRequestsDefaults),
        b.expandMask,
      ),
  );

  emptyRoute(api, 'DELETE', '/apps/:app_id/entitlements/:id', { ...op('Delete'), params: IdParams }, (tenant, p) =>
    entitlements.delete(tenant, p.app_id, p.id),
  );

  searchRoute(
    api,
    '/search/entitlements',
    {
      operationId: 'c1.api.app.v1.AppEntitlementSearchService.Search',
      tags,
      body: SearchEntitlementsRequest,
      response: EntitlementListResponse,
    },
    async (tenant, body, page) =>
      expandPage(await entitlements.search(tenant, body, page), body.expandMask?.paths, fillEntitlement(core, tenant)),
  );

  const owner = (name: string) => ({
    operationId: `c1.api.app.v1.AppEntitlementOwners.${name}`,
    tags: ['App Entitlement Owner'],
  });
  const OwnersParams = Type.Object({ app_id: Id, entitlement_id: Id });
  const owners = '/apps/:app_id/entitlements/:entitlement_id/owners';

  listRoute(api, owners, { ...owner('List'), params: OwnersParams, response: OwnerListResponse }, (tenant, p, page) =>
    entitlements.listOwners(tenant, p.app_id, p.entitlement_id, page),
  );

  emptyRoute(api, 'POST', owners, { ...owner('Add'), params: OwnersParams, body: AddEntitlementOwnerRequest }, (tenant, p, b) =>
    entitlements.addOwner(tenant, p.app_id, p.entitlement_id, b.userId),
  );

  emptyRoute(api, 'PUT', owners, { ...owner('Set'), params: OwnersParams, body: SetEntitlementOwnersRequest }, (tenant, p, b) =>
    entitlements.setOwners(tenant, p.app_id, p.entitlement_id, b.userIds ?? []),
  );

  emptyRoute(
    api,
    'DELETE',
    `${owners}/:user_id`,
    { ...owner('Remove'), params: Type.Object({ app_id: Id, entitlement_id: Id, user_id: Id }) },
    (tenant, p) => entitlements.removeOwner(tenant, p.app_id, p.entitlement_id, p.user_id),
  );
}
