import { type Static, Type } from '@sinclair/typebox';
import {
  Description,
  Id,
  IdList,
  IdRefs,
  Int64,
  Name,
  pageResponse,
  SearchText,
  StringEnum,
  searchRequest,
  strictObject,
  Timestamp,
  updateRequest,
} from '../../http/schemas.ts';
import { User } from '../users/schemas.ts';

export const IDENTITY_MATCHING = [
  'APP_USER_IDENTITY_MATCHING_UNSPECIFIED',
  'APP_USER_IDENTITY_MATCHING_STRICT',
  'APP_USER_IDENTITY_MATCHING_DISPLAY_NAME',
];
export const IdentityMatching = StringEnum(IDENTITY_MATCHING);
const PolicyId = Type.String({ maxLength: 64 });
const MonthlyCost = Type.Integer({ minimum: 0, maximum: 2147483647 });

/** C1's App (c1.api.app.v1.App) as Gatehouse answers it. */
export const App = Type.Object({
  id: Type.String(),
  displayName: Type.String(),
  description: Type.Optional(Type.String()),
  certifyPolicyId: Type.Optional(Type.String()),
  grantPolicyId: Type.Optional(Type.String()),
  revokePolicyId: Type.Optional(Type.String()),
  identityMatching: Type.String(),
  monthlyCostUsd: Type.Optional(Type.Integer()),
  strictAccessEntitlementProvisioning: Type.Optional(Type.Boolean()),
  isManuallyManaged: Type.Boolean(),
  isDirectory: Type.Boolean(),
  iconUrl: Type.Optional(Type.String()),
  instructions: Type.Optional(Type.String()),
  defaultRequestCatalogId: Type.Optional(Type.String()),
  appOwners: Type.Array(User),
  userCount: Int64,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type App = Static<typeof App>;

/** Writable fields that creates and updates take alike (after displayName). */
const settableFields = {
  description: Type.Optional(Description),
  certifyPolicyId: Type.Optional(PolicyId),
  grantPolicyId: Type.Optional(PolicyId),
  revokePolicyId: Type.Optional(PolicyId),
  identityMatching: Type.Optional(IdentityMatching),
  monthlyCostUsd: Type.Optional(MonthlyCost),
};

/** c1.api.app.v1.AppEntitlementRef: an entitlement, by id (and its app's id). */
const EntitlementRefIn = strictObject({ appId: Type.Optional(Type.String({ maxLength: 64 })), id: Id });

export const CreateAppRequest = strictObject({
  displayName: Name,
  ...settableFields,
  owners: Type.Optional(IdList),
  strictAccessEntitlementProvisioning: Type.Optional(Type.Boolean()),
  // Fields of C1's newer SDKs (sdk-fields.md).
  instructions: Type.Optional(Description),
  /** Entitlements whose holders become owners of each entitlement later created in this app (see docs/wire.md). */
  appEntitlementOwnerRefs: Type.Optional(Type.Array(EntitlementRefIn, { maxItems: 100 })),
});
export type CreateAppRequest = Static<typeof CreateAppRequest>;

/** Fields an update may change. */
export const APP_WRITABLE = [
  'displayName',
  'description',
  'certifyPolicyId',
  'grantPolicyId',
  'revokePolicyId',
  'identityMatching',
  'monthlyCostUsd',
  'strictAccessEntitlementProvisioning',
  'iconUrl',
  'instructions',
  'defaultRequestCatalogId',
] as const;
export type AppWritable = (typeof APP_WRITABLE)[number];
export const APP_READ_ONLY = [
  'id',
  'appAccountId',
  'appAccountName',
  'appOwners',
  'connectorVersion',
  'createdAt',
  'deletedAt',
  'updatedAt',
  'fieldMask',
  'isDirectory',
  'isManuallyManaged',
  'logoUri',
  'parentAppId',
  'userCount',
];

/** The app of an update: writable fields are checked; read-only ones a client echoes back are accepted and ignored. */
export const AppInput = strictObject({
  displayName: Type.Optional(Name),
  ...settableFields,
  strictAccessEntitlementProvisioning: Type.Optional(Type.Boolean()),
  iconUrl: Type.Optional(Type.String({ maxLength: 2048 })),
  instructions: Type.Optional(Description),
  defaultRequestCatalogId: Type.Optional(PolicyId),
  id: Type.Optional(Type.String({ maxLength: 64 })),
  appAccountId: Type.Optional(Type.String({ maxLength: 256 })),
  appAccountName: Type.Optional(Type.String({ maxLength: 256 })),
  appOwners: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }), { maxItems: 1000 })),
  connectorVersion: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
  createdAt: Type.Optional(Type.String({ maxLength: 64 })),
  deletedAt: Type.Optional(Type.String({ maxLength: 64 })),
  updatedAt: Type.Optional(Type.String({ maxLength: 64 })),
  fieldMask: Type.Optional(Type.String({ maxLength: 1024 })),
  isDirectory: Type.Optional(Type.Boolean()),
  isManuallyManaged: Type.Optional(Type.Boolean()),
  logoUri: Type.Optional(Type.String({ maxLength: 2048 })),
  parentAppId: Type.Optional(Type.String({ maxLength: 64 })),
  userCount: Type.Optional(Type.String({ maxLength: 32 })),
});
export type AppInput = Static<typeof AppInput>;

export const UpdateAppRequest = updateRequest('app', AppInput);
export type UpdateAppRequest = Static<typeof UpdateAppRequest>;

export const SearchAppsRequest = searchRequest({
  query: Type.Optional(SearchText),
  displayName: Type.Optional(SearchText),
  appIds: Type.Optional(IdList),
  excludeAppIds: Type.Optional(IdList),
  onlyDirectories: Type.Optional(Type.Boolean()),
  policyRefs: Type.Optional(IdRefs),
});
export type SearchAppsRequest = Static<typeof SearchAppsRequest>;

export const AppResponse = Type.Object({ app: App });
export const AppListResponse = pageResponse(App);
export const OwnerListResponse = pageResponse(User);
export const SetOwnersRequest = strictObject({ userIds: Type.Optional(IdList) });
