import { type Static, Type } from '@sinclair/typebox';
import { UnexpandedMask } from '../../http/expand.ts';
import { expandedPageResponse, Id, IdList, searchRequest, strictObject, Timestamp } from '../../http/schemas.ts';
import { AppUserView } from '../app-users/schemas.ts';
import { AppEntitlementView, EntitlementExpandMask, EntitlementPurpose, EntitlementRef } from '../entitlements/schemas.ts';

const RefOut = Type.Object({ appId: Type.Optional(Type.String()), id: Type.String() });

/** c1.api.app.v1.AppEntitlementUserBinding: one grant. */
export const Binding = Type.Object({
  appId: Type.String(),
  appUserId: Type.String(),
  appEntitlementId: Type.Optional(Type.String()),
  createdAt: Type.Optional(Timestamp),
  deprovisionAt: Type.Optional(Timestamp),
  grantSources: Type.Array(RefOut),
});
export type Binding = Static<typeof Binding>;

/** c1.api.app.v1.AppEntitlementUserView: an account holding an entitlement. */
export const EntitlementUserView = Type.Object({
  appUser: AppUserView,
  appEntitlementUserBindingCreatedAt: Timestamp,
  appEntitlementUserBindingDeprovisionAt: Type.Optional(Timestamp),
  grantSources: Type.Array(RefOut),
});
export type EntitlementUserView = Static<typeof EntitlementUserView>;

export const EntitlementUsersResponse = expandedPageResponse(EntitlementUserView);

export const AddManualUsersRequest = strictObject({ userIds: Type.Optional(IdList) });
export const AddManualUsersResponse = Type.Object({
  failedUsersErrorMap: Type.Record(Type.String(), Type.String()),
});

export const RemoveMembershipRequest = strictObject({ appUserId: Id });
export const RemoveMembershipResponse = Type.Object({ revokeTaskId: Type.Optional(Type.String()) });

export const UpdateGrantDurationRequest = strictObject({ newDeprovisionAt: Timestamp });
export const BindingResponse = Type.Object({ binding: Binding });
export const BindingsResponse = Type.Object({ bindings: Type.Array(Binding) });

export const SearchGrantsRequest = searchRequest({
  appIds: Type.Optional(IdList),
  appUserIds: Type.Optional(IdList),
  userId: Type.Optional(Type.String({ maxLength: 64 })),
  resourceIds: Type.Optional(IdList),
  resourceTypeIds: Type.Optional(IdList),
  entitlementRefs: Type.Optional(Type.Array(EntitlementRef, { maxItems: 1000 })),
  expandMask: Type.Optional(EntitlementExpandMask),
  // Newer than openapi.yaml: entitlementSlugs is in sdk-fields.md; purpose is asked for by issue 10.
  entitlementSlugs: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 1000 })),
  purpose: Type.Optional(EntitlementPurpose),
});
export type SearchGrantsRequest = Static<typeof SearchGrantsRequest>;

export const GrantListResponse = expandedPageResponse(
  Type.Object({ entitlement: AppEntitlementView, appEntitlementUserBinding: EntitlementUserView }),
);

const AppUserRef = strictObject({ appId: Type.Optional(Type.String({ maxLength: 64 })), id: Id });
export const SearchPastGrantsRequest = searchRequest({
  appIds: Type.Optional(IdList),
  appEntitlementRefs: Type.Optional(Type.Array(EntitlementRef, { maxItems: 1000 })),
  appUserRefs: Type.Optional(Type.Array(AppUserRef, { maxItems: 1000 })),
  expandMask: Type.Optional(UnexpandedMask),
});
export type SearchPastGrantsRequest = Static<typeof SearchPastGrantsRequest>;

/** c1.api.app.v1.AppEntitlementUserBindingHistory: who held what, from when until when. */
export const PastGrant = Type.Object({
  appId: Type.String(),
  appEntitlementId: Type.String(),
  appUserId: Type.String(),
  grantedAt: Timestamp,
  revokedAt: Timestamp,
});
export type PastGrant = Static<typeof PastGrant>;

export const PastGrantsResponse = expandedPageResponse(Type.Object({ history: PastGrant }));
