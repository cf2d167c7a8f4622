import { type Static, Type } from '@sinclair/typebox';
import { UnexpandedMask } from '../../http/expand.ts';
import {
  Expanded,
  expandedPageResponse,
  IdList,
  IdRefs,
  SearchText,
  StringEnum,
  searchRequest,
  Timestamp,
} from '../../http/schemas.ts';

export const UserStatus = Type.Union([
  Type.Literal('UNKNOWN'),
  Type.Literal('ENABLED'),
  Type.Literal('DISABLED'),
  Type.Literal('DELETED'),
]);

/** c1.api.user.v1.User.origin (a field of C1's newer SDKs): where the user came from. */
export const USER_ORIGINS = ['USER_ORIGIN_UNSPECIFIED', 'USER_ORIGIN_DIRECTORY', 'USER_ORIGIN_LOCAL', 'USER_ORIGIN_SYSTEM'];
const UserOrigin = StringEnum(USER_ORIGINS);
const Origins = Type.Array(UserOrigin, { maxItems: 4 });
/** A filter's list of free-text values (departments, job titles). */
const TextList = Type.Array(Type.String({ maxLength: 256 }), { maxItems: 100 });

/** C1's User (c1.api.user.v1.User), the fields Gatehouse keeps. */
export const User = Type.Object({
  id: Type.String(),
  email: Type.Optional(Type.String()),
  emails: Type.Array(Type.String()),
  displayName: Type.Optional(Type.String()),
  username: Type.Optional(Type.String()),
  usernames: Type.Array(Type.String()),
  department: Type.Optional(Type.String()),
  jobTitle: Type.Optional(Type.String()),
  employmentStatus: Type.Optional(Type.String()),
  employmentType: Type.Optional(Type.String()),
  employeeIds: Type.Array(Type.String()),
  roleIds: Type.Array(Type.String()),
  managerIds: Type.Optional(Type.Array(Type.String())),
  delegatedUserId: Type.Optional(Type.String()),
  origin: UserOrigin,
  /** The directory apps whose last sync has this user. */
  directoryIds: Type.Array(Type.String()),
  status: UserStatus,
  directoryStatus: UserStatus,
  type: Type.Literal('USER_TYPE_HUMAN'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type User = Static<typeof User>;

export const UserView = Type.Object({ user: User });

export const UserListResponse = expandedPageResponse(UserView);

export const UserGetResponse = Type.Object({ userView: UserView, expanded: Expanded });

export const SearchUsersRequest = searchRequest({
  query: Type.Optional(SearchText),
  email: Type.Optional(SearchText),
  ids: Type.Optional(IdList),
  excludeIds: Type.Optional(IdList),
  refs: Type.Optional(IdRefs),
  userStatuses: Type.Optional(Type.Array(UserStatus, { maxItems: 10 })),
  expandMask: Type.Optional(UnexpandedMask),
  // Fields of C1's newer SDKs (sdk-fields.md), all honoured.
  managerIds: Type.Optional(IdList),
  departments: Type.Optional(TextList),
  jobTitles: Type.Optional(TextList),
  isDelegate: Type.Optional(Type.Boolean()),
  delegatedUserIds: Type.Optional(IdList),
  delegateStatus: Type.Optional(
    StringEnum(['DELEGATE_STATUS_UNSPECIFIED', 'DELEGATE_STATUS_HAS_DELEGATE', 'DELEGATE_STATUS_NO_DELEGATE']),
  ),
  origins: Type.Optional(Origins),
  excludeOrigins: Type.Optional(Origins),
});
export type SearchUsersRequest = Static<typeof SearchUsersRequest>;
