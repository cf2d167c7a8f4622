import { type Static, Type } from '@sinclair/typebox';
import { UnexpandedMask } from '../../http/expand.ts';
import { Expanded, expandedPageResponse, IdList, IdRefs, SearchText, searchRequest, Timestamp } from '../../http/schemas.ts';

export const UserStatus = Type.Union([
  Type.Literal('UNKNOWN'),
  Type.Literal('ENABLED'),
  Type.Literal('DISABLED'),
  Type.Literal('DELETED'),
]);

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
});
export type SearchUsersRequest = Static<typeof SearchUsersRequest>;
