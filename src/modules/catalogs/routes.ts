import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { expandEach, expandPage, type Fill } from '../../http/expand.ts';
import { emptyRoute, listRoute, operations, route, searchRoute } from '../../http/routes.ts';
import { EmptyBody, Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import { fillEntitlement } from '../entitlements/expand.ts';
import { Task } from '../tasks/schemas.ts';
import {
  AccessRequestDefaults,
  AccessRequestDefaultsInput,
  AddAccessRequest,
  AddEntriesRequest,
  CatalogListResponse,
  CatalogViewResponse,
  CreateCatalogRequest,
  EnrollRequest,
  EntitlementPageResponse,
  EntitlementRefsResponse,
  type EntitlementWithBindings,
  RemoveAccessRequest,
  RemoveEntriesRequest,
  type RequestCatalogView,
  SearchCatalogEntitlementsRequest,
  SearchCatalogEntitlementsResponse,
  UpdateCatalogRequest,
  UpdateEntriesRequest,
} from './schemas.ts';

const DOCS = 'See docs/catalogs.md.';

/** Fills a catalog view's createdByUserPath and accessEntitlementsPath, and puts its apps in `expanded`, as the mask asks. */
function fillCatalog(core: Core, tenantId: string): Fill<RequestCatalogView> {
  const { users, apps, catalogs } = core.services;
  return async (view, x) => {
    const c = view.requestCatalog;
    const by = c.createdByUserId;
    if (x.wants('created_by_user_id') && by) {
      view.createdByUserPath = await x.pathOf('c1.api.user.v1.User', by, () => users.get(tenantId, by));
    }
    if (x.wants('access_entitlements')) {
      for (const e of c.accessEntitlements) {
        const path = await x.pathOf('c1.api.app.v1.AppEntitlement', e.id, async () => e);
        view.accessEntitlementsPath ??= path;
      }
    }
    if (x.wants('app_ids')) {
      for (const appId of await catalogs.appIdsOf(tenantId, c.id)) {
        await x.pathOf('c1.api.app.v1.App', appId, () => apps.get(tenantId, appId));
      }
    }
  };
}

export async function catalogRoutes(api: Api, core: Core): Promise<void> {
  const { catalogs } = core.services;
  const tags = ['Request Catalog'];
  const mgmt = operations('c1.api.requestcatalog.v1.RequestCatalogManagementService', tags);
  const op = (name: string, summary: string, description: string) => mgmt(name, summary, `${description} ${DOCS}`);
  const IdParams = Type.Object({ id: Id });
  const CatalogParams = Type.Object({ catalog_id: Id });
  const one = async (tenant: string, v: Promise<RequestCatalogView>, mask?: { paths?: string[] }) => {
    const x = await expandEach([await v], mask?.paths, fillCatalog(core, tenant));
    return { requestCatalogView: x.views[0], expanded: x.expanded };
  };

  route(
    api,
    'POST',
    '/catalogs',
    {
      ...op(
        'Create',
        'Create a request catalog',
        'Creates a catalog (unpublished and visible to no one unless `published` / `visibleToEveryone`). `grantPolicyId` ' +
          '(a grant policy) is the policy of requests made through it. 400 naming the field for a bad name or policy.',
      ),
      body: CreateCatalogRequest,
      response: CatalogViewResponse,
    },
    (tenant, _p, b, caller) => one(tenant, catalogs.create(tenant, b, caller), b.expandMask),
  );

  listRoute(
    api,
    '/catalogs',
    {
      ...op('List', 'List request catalogs', 'The catalogs the caller sees (administrators of requests: all), in id order.'),
      response: CatalogListResponse,
    },
    async (tenant, _p, page, caller) => ({ ...(await catalogs.list(tenant, page, caller)), expanded: [] }),
  );

  route(
    api,
    'GET',
    '/catalogs/:id',
    {
      ...op(
        'Get',
        'Get a request catalog',
        'The catalog with `memberCount`; 404 when it does not exist or the caller may not see it.',
      ),
      params: IdParams,
      response: CatalogViewResponse,
    },
    (tenant, p, _b, caller) => one(tenant, catalogs.get(tenant, p.id, caller)),
  );

  route(
    api,
    'POST',
    '/catalogs/:id',
    {
      ...op('Update', 'Update a request catalog', 'Changes the fields `updateMask` names (all given ones without a mask).'),
      params: IdParams,
      body: UpdateCatalogRequest,
      response: CatalogViewResponse,
    },
    (tenant, p, b, caller) => one(tenant, catalogs.update(tenant, p.id, b.catalog, b.updateMask, caller), b.expandMask),
  );

  emptyRoute(
    api,
    'DELETE',
    '/catalogs/:id',
    {
      ...op('Delete', 'Delete a request catalog', "An app's default catalog is refused (400, code 9): it goes with its app."),
      params: IdParams,
    },
    (tenant, p) => catalogs.delete(tenant, p.id),
  );

  emptyRoute(
    api,
    'POST',
    '/catalogs/:catalog_id/requestable_entries',
    {
      ...op(
        'AddAppEntitlements',
        'Make entitlements requestable in a catalog',
        'Adds the entitlements (already there: unchanged). With `createRequests` on a bundle, everyone enrolled gets a ' +
          'grant task for each new one they lack. An unknown entitlement is a 400 naming it.',
      ),
      params: CatalogParams,
      body: AddEntriesRequest,
    },
    (tenant, p, b, caller) =>
      catalogs.addEntitlements(tenant, p.catalog_id, 'entries', b.appEntitlements, 'appEntitlements', (tx, row, added) =>
        b.createRequests ? catalogs.bundles.requestAdded(tx, tenant, row, added, caller) : Promise.resolve(),
      ),
  );

  emptyRoute(
    api,
    'DELETE',
    '/catalogs/:catalog_id/requestable_entries',
    {
      ...op('RemoveAppEntitlements', 'Remove requestable entitlements', 'Removes them (C1 takes a DELETE with a JSON body).'),
      params: CatalogParams,
      body: RemoveEntriesRequest,
    },
    (tenant, p, b) => catalogs.removeEntitlements(tenant, p.catalog_id, 'entries', b.appEntitlements ?? []),
  );

  emptyRoute(
    api,
    'POST',
    '/catalogs/:catalog_id/requestable_entitlements/update',
    {
      ...op(
        'UpdateAppEntitlements',
        'Set the requestable entitlements',
        "The catalog's requestable entitlements become exactly these.",
      ),
      params: CatalogParams,
      body: UpdateEntriesRequest,
    },
    (tenant, p, b) => catalogs.setEntitlements(tenant, p.catalog_id, b.appEntitlements),
  );

  listRoute(
    api,
    '/catalogs/:catalog_id/requestable_entitlements',
    {
      ...op(
        'ListEntitlementsPerCatalog',
        'List the requestable entitlements',
        'What may be requested through the catalog, paged in entitlement id order.',
      ),
      params: CatalogParams,
      response: EntitlementPageResponse,
    },
    async (tenant, p, page, caller) => ({
      ...(await catalogs.listEntitlements(tenant, p.catalog_id, 'entries', page, caller)),
      expanded: [],
    }),
  );

  route(
    api,
    'GET',
    '/catalogs/:catalog_id/requestable_entitlementIDs',
    {
      ...op('ListAllEntitlementIdsPerApp', 'The requestable entitlements as refs', 'Every one, as `{appId, id}`, by app.'),
      params: CatalogParams,
      response: EntitlementRefsResponse,
    },
    async (tenant, p, _b, caller) => ({ refs: await catalogs.entitlementRefs(tenant, p.catalog_id, caller) }),
  );

  emptyRoute(
    api,
    'POST',
    '/catalogs/:catalog_id/visibility_bindings',
    {
      ...op(
        'AddAccessEntitlements',
        'Let holders of entitlements see a catalog',
        'Holders of any of these entitlements see the catalog (once published).',
      ),
      params: CatalogParams,
      body: AddAccessRequest,
    },
    (tenant, p, b) => catalogs.addEntitlements(tenant, p.catalog_id, 'access', b.accessEntitlements, 'accessEntitlements'),
  );

  emptyRoute(
    api,
    'DELETE',
    '/catalogs/:catalog_id/visibility_bindings',
    {
      ...op('RemoveAccessEntitlements', 'Remove visibility entitlements', 'C1 takes a DELETE with a JSON body.'),
      params: CatalogParams,
      body: RemoveAccessRequest,
    },
    (tenant, p, b) => catalogs.removeEntitlements(tenant, p.catalog_id, 'access', b.accessEntitlements ?? []),
  );

  listRoute(
    api,
    '/catalogs/:catalog_id/visibility_entitlements',
    {
      ...op(
        'ListEntitlementsForAccess',
        'List the visibility entitlements',
        'The entitlements whose holders see the catalog, paged in entitlement id order.',
      ),
      params: CatalogParams,
      response: EntitlementPageResponse,
    },
    async (tenant, p, page, caller) => ({
      ...(await catalogs.listEntitlements(tenant, p.catalog_id, 'access', page, caller)),
      expanded: [],
    }),
  );

  searchRoute(
    api,
    '/search/request_catalog/entitlements',
    {
      ...operations('c1.api.requestcatalog.v1.RequestCatalogSearchService', tags)(
        'SearchEntitlements',
        'Search what you can request',
        'Entitlements in published catalogs the caller sees, by `query`, `entitlementAlias` (exact), `appDisplayName` ' +
          "(exact, any case) and `grantedStatus` (the caller's own grants), each with the caller's bindings. " +
          DOCS,
      ),
      body: SearchCatalogEntitlementsRequest,
      response: SearchCatalogEntitlementsResponse,
    },
    async (tenant, b, page, caller) => {
      const found = await catalogs.searchEntitlements(tenant, b, page, caller);
      const x = await expandPage(
        { list: found.list.map((f) => f.entitlement), nextPageToken: found.nextPageToken },
        b.expandMask?.paths,
        fillEntitlement(core, tenant),
      );
      const list: EntitlementWithBindings[] = found.list.map((f, i) => ({ ...f, entitlement: x.list[i] }));
      return { list, nextPageToken: x.nextPageToken, expanded: x.expanded };
    },
  );

  // Gatehouse's own: C1 enrolls people in a bundle through an entitlement of its own app; Gatehouse has routes.
  const enrollOp = (name: string, summary: string, description: string) => ({
    operationId: `gatehouse.RequestCatalog.${name}`,
    tags,
    summary,
    description: `${description} Gatehouse's own (not in C1's API). ${DOCS}`,
  });
  route(
    api,
    'POST',
    '/catalogs/:catalog_id/enrollments',
    {
      ...enrollOp(
        'Enroll',
        'Request a bundle catalog',
        'Enrolls `identityUserId` (default: the caller) in a bundle catalog the caller sees: one grant task per ' +
          'entitlement they lack. Already enrolled: 409. Not a bundle: 400 (code 9).',
      ),
      params: CatalogParams,
      body: EnrollRequest,
      response: Type.Object({ tasks: Type.Array(Task) }),
    },
    async (tenant, p, b, caller) => ({ tasks: await catalogs.bundles.enroll(tenant, p.catalog_id, b ?? {}, caller) }),
  );

  route(
    api,
    'DELETE',
    '/catalogs/:catalog_id/enrollments/:identity_user_id',
    {
      ...enrollOp(
        'Unenroll',
        'Leave a bundle catalog',
        "Ends the enrollment; the catalog's `unenrollmentBehavior` and `unenrollmentEntitlementBehavior` decide what is revoked.",
      ),
      params: Type.Object({ catalog_id: Id, identity_user_id: Id }),
      body: EmptyBody,
      response: Type.Object({ revokedEntitlementIds: Type.Array(Type.String()), tasks: Type.Array(Task) }),
    },
    (tenant, p, _b, caller) => catalogs.bundles.unenroll(tenant, p.catalog_id, p.identity_user_id, caller),
  );

  const defaults = operations('c1.api.app.v1.AppAccessRequestsDefaultsService', ['AppAccessRequestDefaults']);
  const AppParams = Type.Object({ app_id: Id });
  route(
    api,
    'GET',
    '/apps/:app_id/access_request_defaults',
    {
      ...defaults('GetAppAccessRequestsDefaults', "An app's access-request defaults", `What its new entitlements take. ${DOCS}`),
      params: AppParams,
      response: AccessRequestDefaults,
    },
    (tenant, p) => catalogs.defaults.get(tenant, p.app_id),
  );

  route(
    api,
    'POST',
    '/apps/:app_id/access_request_defaults',
    {
      ...defaults(
        'CreateAppAccessRequestsDefaults',
        "Set an app's access-request defaults",
        'Replaces them; `applyToExisting` (Gatehouse) applies them to existing entitlements too, in the same request. ' +
          `Unknown catalogs or policies: 400 naming the field. ${DOCS}`,
      ),
      params: AppParams,
      body: AccessRequestDefaultsInput,
      response: AccessRequestDefaults,
    },
    (tenant, p, b) => catalogs.defaults.put(tenant, p.app_id, b),
  );

  route(
    api,
    'POST',
    '/apps/:app_id/access_request_defaults/cancel',
    {
      ...defaults(
        'CancelAppAccessRequestsDefaults',
        'Cancel applying the defaults',
        `Applying happens within the request that asks for it, so there is never anything to cancel: answers the defaults. ${DOCS}`,
      ),
      params: AppParams,
      body: EmptyBody,
      response: AccessRequestDefaults,
    },
    (tenant, p) => catalogs.defaults.cancel(tenant, p.app_id),
  );
}
