import { type Static, Type } from '@sinclair/typebox';
import { expandMaskOf } from '../../http/expand.ts';
import {
  Description,
  Expanded,
  expandedPageResponse,
  Id,
  IdList,
  IdRefs,
  Int64,
  LooseObject,
  Name,
  SearchText,
  StringEnum,
  searchRequest,
  strictObject,
  Timestamp,
  updateRequest,
} from '../../http/schemas.ts';

export const PURPOSES = [
  'APP_ENTITLEMENT_PURPOSE_VALUE_UNSPECIFIED',
  'APP_ENTITLEMENT_PURPOSE_VALUE_ASSIGNMENT',
  'APP_ENTITLEMENT_PURPOSE_VALUE_PERMISSION',
];
export const EntitlementPurpose = StringEnum(PURPOSES);
const Purpose = EntitlementPurpose;
const PolicyId = Type.String({ maxLength: 64 });
/** Optional id fields: C1's SDKs may send "" for "none". */
const OptId = Type.String({ maxLength: 64 });
const Short = Type.String({ maxLength: 256 });
/** A proto Duration in JSON: seconds with an `s` suffix ("86400s"); checked by the service. */
const Duration = Type.String({ maxLength: 32 });
const ComplianceIds = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 });
/** google.protobuf.Empty: whatever fields it is sent are unknown ones, ignored. */
const EmptyMessage = Type.Object({}, { additionalProperties: false });
/** c1.api.app.v1.AppEntitlementExpandMask */
export const EntitlementExpandMask = expandMaskOf('app_id', 'app_resource_type_id', 'app_resource_id');

/** c1.api.app.v1.AppEntitlement as Gatehouse answers it. */
export const AppEntitlement = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  appResourceTypeId: Type.Optional(Type.String()),
  appResourceId: Type.Optional(Type.String()),
  displayName: Type.String(),
  description: Type.Optional(Type.String()),
  slug: Type.Optional(Type.String()),
  alias: Type.Optional(Type.String()),
  purpose: Type.String(),
  durationGrant: Type.Optional(Type.String()),
  certifyPolicyId: Type.Optional(Type.String()),
  grantPolicyId: Type.Optional(Type.String()),
  revokePolicyId: Type.Optional(Type.String()),
  emergencyGrantEnabled: Type.Optional(Type.Boolean()),
  emergencyGrantPolicyId: Type.Optional(Type.String()),
  riskLevelValueId: Type.Optional(Type.String()),
  complianceFrameworkValueIds: Type.Array(Type.String()),
  overrideAccessRequestsDefaults: Type.Optional(Type.Boolean()),
  matchBatonId: Type.Optional(Type.String()),
  grantCount: Int64,
  isManuallyManaged: Type.Boolean(),
  isAutomationEnabled: Type.Boolean(),
  systemBuiltin: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type AppEntitlement = Static<typeof AppEntitlement>;

/** The entitlement and, when an expand mask asked, where its app, type and resource are in `expanded`. */
export const AppEntitlementView = Type.Object({
  appEntitlement: AppEntitlement,
  appPath: Type.Optional(Type.String()),
  appResourceTypePath: Type.Optional(Type.String()),
  appResourcePath: Type.Optional(Type.String()),
});
export type AppEntitlementView = Static<typeof AppEntitlementView>;

export const EntitlementResponse = Type.Object({ appEntitlementView: AppEntitlementView, expanded: Expanded });
export const EntitlementListResponse = expandedPageResponse(AppEntitlementView);

/** Writable fields that creates and updates take alike (after displayName and description). */
const settableFields = {
  slug: Type.Optional(Short),
  alias: Type.Optional(Short),
  purpose: Type.Optional(Purpose),
  durationGrant: Type.Optional(Duration),
  durationUnset: Type.Optional(EmptyMessage),
  certifyPolicyId: Type.Optional(PolicyId),
  grantPolicyId: Type.Optional(PolicyId),
  revokePolicyId: Type.Optional(PolicyId),
  emergencyGrantEnabled: Type.Optional(Type.Boolean()),
  emergencyGrantPolicyId: Type.Optional(PolicyId),
  riskLevelValueId: Type.Optional(OptId),
  complianceFrameworkValueIds: Type.Optional(ComplianceIds),
  overrideAccessRequestsDefaults: Type.Optional(Type.Boolean()),
};

export const CreateEntitlementRequest = strictObject({
  displayName: Name,
  description: Type.Optional(Description),
  appResourceTypeId: Type.Optional(OptId),
  appResourceId: Type.Optional(OptId),
  ...settableFields,
  appEntitlementOwnerIds: Type.Optional(IdList),
  matchBatonId: Type.Optional(Short),
  expandMask: Type.Optional(EntitlementExpandMask),
});
export type CreateEntitlementRequest = Static<typeof CreateEntitlementRequest>;

/** Fields an update may change. */
export const ENTITLEMENT_WRITABLE = [
  'displayName',
  'description',
  'slug',
  'alias',
  'purpose',
  'durationGrant',
  'durationUnset',
  'certifyPolicyId',
  'grantPolicyId',
  'revokePolicyId',
  'emergencyGrantEnabled',
  'emergencyGrantPolicyId',
  'riskLevelValueId',
  'complianceFrameworkValueIds',
  'overrideAccessRequestsDefaults',
  'matchBatonId',
] as const;
export type EntitlementWritable = (typeof ENTITLEMENT_WRITABLE)[number];
export const ENTITLEMENT_READ_ONLY = [
  'id',
  'appId',
  'appResourceTypeId',
  'appResourceId',
  'grantCount',
  'createdAt',
  'updatedAt',
  'deletedAt',
  'isManuallyManaged',
  'isAutomationEnabled',
  'systemBuiltin',
  'sourceConnectorIds',
  'defaultValuesApplied',
  'requestSchemaId',
  'userEditedMask',
  'provisionerPolicy',
  'deprovisionerPolicy',
];

/** The entitlement of an update: read-only fields a client echoes back are accepted and ignored. */
export const EntitlementInput = strictObject({
  displayName: Type.Optional(Name),
  description: Type.Optional(Description),
  ...settableFields,
  matchBatonId: Type.Optional(Short),
  id: Type.Optional(OptId),
  appId: Type.Optional(OptId),
  appResourceTypeId: Type.Optional(OptId),
  appResourceId: Type.Optional(OptId),
  grantCount: Type.Optional(Type.String({ maxLength: 32 })),
  createdAt: Type.Optional(Type.String({ maxLength: 64 })),
  updatedAt: Type.Optional(Type.String({ maxLength: 64 })),
  deletedAt: Type.Optional(Type.String({ maxLength: 64 })),
  isManuallyManaged: Type.Optional(Type.Boolean()),
  isAutomationEnabled: Type.Optional(Type.Boolean()),
  systemBuiltin: Type.Optional(Type.Boolean()),
  sourceConnectorIds: Type.Optional(LooseObject),
  defaultValuesApplied: Type.Optional(Type.Boolean()),
  requestSchemaId: Type.Optional(OptId),
  userEditedMask: Type.Optional(Type.String({ maxLength: 4096 })),
  provisionerPolicy: Type.Optional(LooseObject),
  deprovisionerPolicy: Type.Optional(LooseObject),
});
export type EntitlementInput = Static<typeof EntitlementInput>;

export const UpdateEntitlementRequest = updateRequest('entitlement', EntitlementInput, {
  overrideAccessRequestsDefaults: Type.Optional(Type.Boolean()),
  expandMask: Type.Optional(EntitlementExpandMask),
});
export type UpdateEntitlementRequest = Static<typeof UpdateEntitlementRequest>;

/** c1.api.app.v1.AppEntitlementRef */
export const EntitlementRef = strictObject({ appId: Type.Optional(OptId), id: Id });
export type EntitlementRef = Static<typeof EntitlementRef>;
const Refs = Type.Array(EntitlementRef, { maxItems: 1000 });

export const SearchEntitlementsRequest = searchRequest({
  query: Type.Optional(SearchText),
  displayName: Type.Optional(SearchText),
  alias: Type.Optional(SearchText),
  appIds: Type.Optional(IdList),
  excludeAppIds: Type.Optional(IdList),
  resourceTypeIds: Type.Optional(IdList),
  excludeResourceTypeIds: Type.Optional(IdList),
  resourceIds: Type.Optional(IdList),
  appUserIds: Type.Optional(IdList),
  excludeAppUserIds: Type.Optional(IdList),
  refs: Type.Optional(Refs),
  excludedEntitlementRefs: Type.Optional(Refs),
  policyRefs: Type.Optional(IdRefs),
  onlyGetExpiring: Type.Optional(Type.Boolean()),
  includeDeleted: Type.Optional(Type.Boolean()),
  expandMask: Type.Optional(EntitlementExpandMask),
});
export type SearchEntitlementsRequest = Static<typeof SearchEntitlementsRequest>;

export const AddEntitlementOwnerRequest = strictObject({ userId: Id });
export const SetEntitlementOwnersRequest = strictObject({ userIds: Type.Optional(IdList) });
