// C1's request catalog messages (c1.api.requestcatalog.v1) and app access-request defaults
// (c1.api.app.v1.AppAccessRequestDefaults), as Gatehouse takes and answers them.
import { type Static, Type } from '@sinclair/typebox';
import { expandMaskOf } from '../../http/expand.ts';
import {
  Description,
  Expanded,
  Id,
  Int64,
  Name,
  SearchText,
  StringEnum,
  searchRequest,
  strictObject,
  Timestamp,
  updateRequest,
} from '../../http/schemas.ts';
import { AppEntitlement, AppEntitlementView, EntitlementExpandMask } from '../entitlements/schemas.ts';
import { Binding } from '../grants/schemas.ts';

export const ENROLLMENT = [
  'REQUEST_CATALOG_ENROLLMENT_BEHAVIOR_UNSPECIFIED',
  'REQUEST_CATALOG_ENROLLMENT_BEHAVIOR_BYPASS_ENTITLEMENT_REQUEST_POLICY',
  'REQUEST_CATALOG_ENROLLMENT_BEHAVIOR_ENFORCE_ENTITLEMENT_REQUEST_POLICY',
];
export const UNENROLLMENT = [
  'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_UNSPECIFIED',
  'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_LEAVE_ACCESS_AS_IS',
  'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_REVOKE_ALL',
  'REQUEST_CATALOG_UNENROLLMENT_BEHAVIOR_REVOKE_UNJUSTIFIED',
];
export const UNENROLLMENT_ENTITLEMENT = [
  'REQUEST_CATALOG_UNENROLLMENT_ENTITLEMENT_BEHAVIOR_UNSPECIFIED',
  'REQUEST_CATALOG_UNENROLLMENT_ENTITLEMENT_BEHAVIOR_BYPASS',
  'REQUEST_CATALOG_UNENROLLMENT_ENTITLEMENT_BEHAVIOR_ENFORCE',
];

/** c1.api.requestcatalog.v1.RequestCatalogExpandMask */
export const CatalogExpandMask = expandMaskOf('created_by_user_id', 'app_ids', 'access_entitlements');

/** The writable fields of a catalog (Create takes them at the top level, Update under `catalog`). */
const writable = {
  displayName: Type.Optional(Name),
  description: Type.Optional(Description),
  published: Type.Optional(Type.Boolean()),
  visibleToEveryone: Type.Optional(Type.Boolean()),
  requestBundle: Type.Optional(Type.Boolean()),
  enrollmentBehavior: Type.Optional(StringEnum(ENROLLMENT)),
  unenrollmentBehavior: Type.Optional(StringEnum(UNENROLLMENT)),
  unenrollmentEntitlementBehavior: Type.Optional(StringEnum(UNENROLLMENT_ENTITLEMENT)),
  grantPolicyId: Type.Optional(Type.String({ maxLength: 64 })),
};
export const CATALOG_WRITABLE = Object.keys(writable) as (keyof typeof writable)[];
export type CatalogWritable = (typeof CATALOG_WRITABLE)[number];
export const CATALOG_READ_ONLY = ['id', 'createdAt', 'updatedAt', 'deletedAt', 'createdByUserId', 'accessEntitlements'];

/** RequestCatalogManagementServiceCreateRequest */
export const CreateCatalogRequest = strictObject({
  ...writable,
  displayName: Name,
  expandMask: Type.Optional(CatalogExpandMask),
});
export type CreateCatalogRequest = Static<typeof CreateCatalogRequest>;

/** RequestCatalog as an update takes it: the writable fields, and read-only ones a client echoes (ignored). */
export const CatalogInput = strictObject({
  ...writable,
  id: Type.Optional(Type.String()),
  createdByUserId: Type.Optional(Type.String()),
  accessEntitlements: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 1000 })),
  createdAt: Type.Optional(Type.String()),
  updatedAt: Type.Optional(Type.String()),
  deletedAt: Type.Optional(Type.String()),
});
export type CatalogInput = Static<typeof CatalogInput>;
export const UpdateCatalogRequest = updateRequest('catalog', CatalogInput, { expandMask: Type.Optional(CatalogExpandMask) });
export type UpdateCatalogRequest = Static<typeof UpdateCatalogRequest>;

/** c1.api.requestcatalog.v1.RequestCatalog as Gatehouse answers it. */
export const RequestCatalog = Type.Object({
  id: Type.String(),
  displayName: Type.String(),
  description: Type.Optional(Type.String()),
  published: Type.Boolean(),
  visibleToEveryone: Type.Boolean(),
  requestBundle: Type.Boolean(),
  enrollmentBehavior: Type.String(),
  unenrollmentBehavior: Type.String(),
  unenrollmentEntitlementBehavior: Type.String(),
  grantPolicyId: Type.Optional(Type.String()),
  createdByUserId: Type.Optional(Type.String()),
  accessEntitlements: Type.Array(AppEntitlement),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type RequestCatalog = Static<typeof RequestCatalog>;

/** c1.api.requestcatalog.v1.RequestCatalogView */
export const RequestCatalogView = Type.Object({
  requestCatalog: RequestCatalog,
  memberCount: Int64,
  createdByUserPath: Type.Optional(Type.String()),
  accessEntitlementsPath: Type.Optional(Type.String()),
});
export type RequestCatalogView = Static<typeof RequestCatalogView>;

export const CatalogViewResponse = Type.Object({ requestCatalogView: RequestCatalogView, expanded: Expanded });
export const CatalogListResponse = Type.Object({
  list: Type.Array(RequestCatalogView),
  nextPageToken: Type.String(),
  expanded: Expanded,
});

const Ref = strictObject({ appId: Type.Optional(Type.String({ maxLength: 64 })), id: Id });
const Refs = Type.Array(Ref, { maxItems: 1000 });
export type EntitlementRef = Static<typeof Ref>;

export const AddEntriesRequest = strictObject({ appEntitlements: Refs, createRequests: Type.Optional(Type.Boolean()) });
export const RemoveEntriesRequest = strictObject({ appEntitlements: Type.Optional(Refs) });
export const UpdateEntriesRequest = strictObject({ appEntitlements: Refs });
export const AddAccessRequest = strictObject({ accessEntitlements: Refs });
export const RemoveAccessRequest = strictObject({ accessEntitlements: Type.Optional(Refs) });

export const EntitlementPageResponse = Type.Object({
  list: Type.Array(AppEntitlementView),
  nextPageToken: Type.String(),
  expanded: Expanded,
});
export const EntitlementRefsResponse = Type.Object({
  refs: Type.Array(Type.Object({ appId: Type.String(), id: Type.String() })),
});

/** RequestCatalogSearchServiceSearchEntitlementsRequest */
export const SearchCatalogEntitlementsRequest = searchRequest({
  query: Type.Optional(SearchText),
  entitlementAlias: Type.Optional(SearchText),
  appDisplayName: Type.Optional(SearchText),
  grantedStatus: Type.Optional(StringEnum(['UNSPECIFIED', 'ALL', 'GRANTED', 'NOT_GRANTED'])),
  includeDeleted: Type.Optional(Type.Boolean()),
  expandMask: Type.Optional(EntitlementExpandMask),
});
export type SearchCatalogEntitlementsRequest = Static<typeof SearchCatalogEntitlementsRequest>;

export const EntitlementWithBindings = Type.Object({
  entitlement: AppEntitlementView,
  appEntitlementUserBindings: Type.Array(Binding),
});
export type EntitlementWithBindings = Static<typeof EntitlementWithBindings>;
export const SearchCatalogEntitlementsResponse = Type.Object({
  list: Type.Array(EntitlementWithBindings),
  nextPageToken: Type.String(),
  expanded: Expanded,
});

/** Gatehouse's own: enrolling in (requesting) a bundle catalog, and leaving it. */
export const EnrollRequest = strictObject({
  identityUserId: Type.Optional(Type.String({ maxLength: 64 })),
  description: Type.Optional(Description),
});
export type EnrollRequest = Static<typeof EnrollRequest>;

const LAST_APPLY = [
  'APP_ACCESS_REQUEST_DEFAULTS_LAST_APPLY_STATE_UNSPECIFIED',
  'APP_ACCESS_REQUEST_DEFAULTS_LAST_APPLY_STATE_RUNNING',
  'APP_ACCESS_REQUEST_DEFAULTS_LAST_APPLY_STATE_SUCCESS',
  'APP_ACCESS_REQUEST_DEFAULTS_LAST_APPLY_STATE_FAILED',
  'APP_ACCESS_REQUEST_DEFAULTS_LAST_APPLY_STATE_CANCELING',
  'APP_ACCESS_REQUEST_DEFAULTS_LAST_APPLY_STATE_CANCEL_SUCCESS',
  'APP_ACCESS_REQUEST_DEFAULTS_LAST_APPLY_STATE_CANCEL_ERROR',
];
const Duration = Type.String({ pattern: '^[0-9]+(\\.[0-9]{1,9})?s$', maxLength: 32 });

/** AppAccessRequestDefaultsInput; `applyToExisting` is Gatehouse's ("when asked"). */
export const AccessRequestDefaultsInput = strictObject({
  catalogIds: Type.Optional(Type.Array(Id, { maxItems: 100 })),
  defaultsEnabled: Type.Optional(Type.Boolean()),
  durationGrant: Type.Optional(Duration),
  durationUnset: Type.Optional(Type.Object({}, { additionalProperties: true })),
  emergencyGrantEnabled: Type.Optional(Type.Boolean()),
  emergencyGrantPolicyId: Type.Optional(Type.String({ maxLength: 64 })),
  requestPolicyId: Type.Optional(Type.String({ maxLength: 64 })),
  resourceTypeIds: Type.Optional(Type.Array(Id, { maxItems: 100 })),
  state: Type.Optional(StringEnum(LAST_APPLY)),
  applyToExisting: Type.Optional(Type.Boolean()),
});
export type AccessRequestDefaultsInput = Static<typeof AccessRequestDefaultsInput>;

export const AccessRequestDefaults = Type.Object({
  appId: Type.String(),
  catalogIds: Type.Array(Type.String()),
  defaultsEnabled: Type.Boolean(),
  durationGrant: Type.Optional(Type.String()),
  durationUnset: Type.Optional(Type.Object({})),
  emergencyGrantEnabled: Type.Boolean(),
  emergencyGrantPolicyId: Type.Optional(Type.String()),
  requestPolicyId: Type.Optional(Type.String()),
  resourceTypeIds: Type.Array(Type.String()),
  state: Type.String(),
});
export type AccessRequestDefaults = Static<typeof AccessRequestDefaults>;
