import { Type } from '@sinclair/typebox';
import { strictObject, Timestamp, updateRequest } from '../../http/schemas.ts';

/** C1's Role (c1.api.iam.v1.Role). */
export const Role = Type.Object({
  id: Type.String(),
  name: Type.String(),
  displayName: Type.String(),
  permissions: Type.Array(Type.String()),
  serviceRoles: Type.Array(Type.String()),
  systemBuiltin: Type.Boolean(),
  systemApiOnly: Type.Boolean(),
  updatedAt: Type.Optional(Timestamp),
});

/** The Role an update sends: every field may be echoed back; only displayName may change. */
const RoleInput = strictObject({
  id: Type.Optional(Type.String({ maxLength: 64 })),
  name: Type.Optional(Type.String({ maxLength: 256 })),
  displayName: Type.Optional(Type.String({ maxLength: 256 })),
  permissions: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 1000 })),
  serviceRoles: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 1000 })),
  systemBuiltin: Type.Optional(Type.Boolean()),
  systemApiOnly: Type.Optional(Type.Boolean()),
  createdAt: Type.Optional(Timestamp),
  updatedAt: Type.Optional(Timestamp),
  deletedAt: Type.Optional(Timestamp),
});

export const UpdateRoleRequest = updateRequest('role', RoleInput);
export const RoleListResponse = Type.Object({ list: Type.Array(Role), nextPageToken: Type.String() });
export const RoleResponse = Type.Object({ role: Role });

export const IntrospectResponse = Type.Object({
  principleId: Type.String(),
  userId: Type.String(),
  roles: Type.Array(Type.String()),
  permissions: Type.Array(Type.String()),
  features: Type.Array(Type.String()),
});
