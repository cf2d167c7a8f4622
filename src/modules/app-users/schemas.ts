import { type Static, Type } from '@sinclair/typebox';
import { expandMaskOf } from '../../http/expand.ts';
import {
  Expanded,
  expandedPageResponse,
  Id,
  IdList,
  LooseObject,
  SearchText,
  StringEnum,
  searchRequest,
  strictObject,
  Timestamp,
  updateRequest,
} from '../../http/schemas.ts';

export const APP_USER_TYPES = [
  'APP_USER_TYPE_UNSPECIFIED',
  'APP_USER_TYPE_USER',
  'APP_USER_TYPE_SERVICE_ACCOUNT',
  'APP_USER_TYPE_SYSTEM_ACCOUNT',
];
export const APP_USER_STATUSES = ['STATUS_UNSPECIFIED', 'STATUS_ENABLED', 'STATUS_DISABLED', 'STATUS_DELETED'];
const AppUserType = StringEnum(APP_USER_TYPES);

/** c1.api.app.v1.AppUserExpandMask ("last_usage" is accepted; Gatehouse keeps no usage to expand). */
const AppUserExpandMask = expandMaskOf('identity_user_id', 'app_id', 'last_usage');

/** c1.api.app.v1.AppUserStatus */
export const AppUserStatus = Type.Object({ status: Type.String(), details: Type.Optional(Type.String()) });

/** c1.api.app.v1.AppUser: an account inside an app. */
export const AppUser = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  identityUserId: Type.Optional(Type.String()),
  displayName: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  emails: Type.Array(Type.String()),
  username: Type.Optional(Type.String()),
  usernames: Type.Array(Type.String()),
  employeeIds: Type.Array(Type.String()),
  appUserType: Type.String(),
  status: AppUserStatus,
  isExternal: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type AppUser = Static<typeof AppUser>;

/** The account and, when an expand mask asked, where its app and identity user are in `expanded`. */
export const AppUserView = Type.Object({
  appUser: AppUser,
  appPath: Type.Optional(Type.String()),
  identityUserPath: Type.Optional(Type.String()),
  lastUsagePath: Type.Optional(Type.String()),
});
export type AppUserView = Static<typeof AppUserView>;

export const AppUserListResponse = expandedPageResponse(AppUserView);

export const AppUserResponse = Type.Object({ appUserView: AppUserView, expanded: Expanded });

const Ref = strictObject({ appId: Type.Optional(Id), id: Id });

export const SearchAppUsersRequest = searchRequest({
  query: Type.Optional(SearchText),
  appId: Type.Optional(Id),
  appUserIds: Type.Optional(IdList),
  excludeAppUserIds: Type.Optional(IdList),
  refs: Type.Optional(Type.Array(Ref, { maxItems: 1000 })),
  userIds: Type.Optional(IdList),
  appUserTypes: Type.Optional(Type.Array(AppUserType, { maxItems: 10 })),
  appUserStatuses: Type.Optional(Type.Array(StringEnum(APP_USER_STATUSES), { maxItems: 10 })),
  appUserDomains: Type.Optional(
    Type.Array(StringEnum(['APP_USER_DOMAIN_UNSPECIFIED', 'APP_USER_DOMAIN_EXTERNAL', 'APP_USER_DOMAIN_TRUSTED']), {
      maxItems: 10,
    }),
  ),
  expandMask: Type.Optional(AppUserExpandMask),
});
export type SearchAppUsersRequest = Static<typeof SearchAppUsersRequest>;

export const APP_USER_WRITABLE = ['appUserType'] as const;
export const APP_USER_READ_ONLY = [
  'id',
  'appId',
  'identityUserId',
  'displayName',
  'email',
  'emails',
  'username',
  'usernames',
  'employeeIds',
  'status',
  'isExternal',
  'profile',
  'createdAt',
  'updatedAt',
  'deletedAt',
];

/** The app user of an update: read-only fields a client echoes back are accepted and ignored. */
export const AppUserInput = strictObject({
  appUserType: Type.Optional(AppUserType),
  id: Type.Optional(Type.String({ maxLength: 64 })),
  appId: Type.Optional(Type.String({ maxLength: 64 })),
  identityUserId: Type.Optional(Type.String({ maxLength: 64 })),
  displayName: Type.Optional(Type.String({ maxLength: 1024 })),
  email: Type.Optional(Type.String({ maxLength: 1024 })),
  emails: Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 100 })),
  username: Type.Optional(Type.String({ maxLength: 1024 })),
  usernames: Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 100 })),
  employeeIds: Type.Optional(Type.Array(Type.String({ maxLength: 1024 }), { maxItems: 100 })),
  status: Type.Optional(LooseObject),
  isExternal: Type.Optional(Type.Boolean()),
  profile: Type.Optional(LooseObject),
  createdAt: Type.Optional(Type.String({ maxLength: 64 })),
  updatedAt: Type.Optional(Type.String({ maxLength: 64 })),
  deletedAt: Type.Optional(Type.String({ maxLength: 64 })),
});
export type AppUserInput = Static<typeof AppUserInput>;

export const UpdateAppUserRequest = updateRequest('appUser', AppUserInput, { expandMask: Type.Optional(AppUserExpandMask) });
export type UpdateAppUserRequest = Static<typeof UpdateAppUserRequest>;
