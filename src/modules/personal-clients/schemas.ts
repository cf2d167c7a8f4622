import { type Static, Type } from '@sinclair/typebox';
import {
  Id,
  IdList,
  IdRefs,
  Name,
  pageResponse,
  SearchText,
  searchRequest,
  strictObject,
  Timestamp,
  updateRequest,
} from '../../http/schemas.ts';

/** allowSourceCidr: CIDRs or addresses, checked by the service (a 400 naming `allowSourceCidr[i]`). */
const Sources = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 });

/** C1's PersonalClient (c1.api.iam.v1.PersonalClient); `id` is the credential id, `clientId` what the token endpoint takes. */
export const PersonalClient = Type.Object({
  id: Type.String(),
  clientId: Type.String(),
  displayName: Type.String(),
  userId: Type.String(),
  allowSourceCidr: Type.Array(Type.String()),
  scopedRoles: Type.Array(Type.String()),
  expiresTime: Type.Optional(Timestamp),
  lastUsedAt: Type.Optional(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type PersonalClient = Static<typeof PersonalClient>;

export const CreatePersonalClientRequest = strictObject({
  displayName: Type.Optional(Name),
  allowSourceCidr: Type.Optional(Sources),
  /** A proto Duration ("3600s", "1.5s"); checked by the service. */
  expires: Type.Optional(Type.String({ maxLength: 32 })),
  scopedRoles: Type.Optional(IdList),
});
export type CreatePersonalClientRequest = Static<typeof CreatePersonalClientRequest>;

export const CreatePersonalClientResponse = Type.Object({ client: PersonalClient, clientSecret: Type.String() });
export const PersonalClientResponse = Type.Object({ client: PersonalClient });
export const PersonalClientListResponse = pageResponse(PersonalClient);

/** The fields an update may change, and those it may echo but not change (in a mask they are a 400). */
export const PERSONAL_CLIENT_WRITABLE = ['displayName', 'allowSourceCidr', 'scopedRoles', 'expiresTime'] as const;
export type PersonalClientWritable = (typeof PERSONAL_CLIENT_WRITABLE)[number];
export const PERSONAL_CLIENT_READ_ONLY = ['id', 'clientId', 'userId', 'lastUsedAt', 'createdAt', 'updatedAt', 'deletedAt'];

/** The client of an update: the writable fields, and the read-only ones SDKs send back (ignored). */
export const PersonalClientInput = strictObject({
  displayName: Type.Optional(Name),
  allowSourceCidr: Type.Optional(Sources),
  scopedRoles: Type.Optional(IdList),
  expiresTime: Type.Optional(Timestamp),
  id: Type.Optional(Type.String({ maxLength: 64 })),
  clientId: Type.Optional(Type.String({ maxLength: 512 })),
  userId: Type.Optional(Type.String({ maxLength: 64 })),
  lastUsedAt: Type.Optional(Timestamp),
  createdAt: Type.Optional(Timestamp),
  updatedAt: Type.Optional(Timestamp),
  deletedAt: Type.Optional(Timestamp),
});
export type PersonalClientInput = Static<typeof PersonalClientInput>;

export const UpdatePersonalClientRequest = updateRequest('client', PersonalClientInput);
export type UpdatePersonalClientRequest = Static<typeof UpdatePersonalClientRequest>;

export const SearchPersonalClientsRequest = searchRequest({
  query: Type.Optional(SearchText),
  users: Type.Optional(IdRefs),
});
export type SearchPersonalClientsRequest = Static<typeof SearchPersonalClientsRequest>;

export const IdParams = Type.Object({ id: Id });
