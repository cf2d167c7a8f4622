import { type Static, Type } from '@sinclair/typebox';
import { AnyMessage, IdList, Name, pageBodyFieldsRef, StringEnum, strictObject, Timestamp } from '../../http/schemas.ts';

/** The kinds a manually managed resource type can be; each is also its trait id. */
export const RESOURCE_TYPE_KINDS = ['ROLE', 'GROUP', 'LICENSE', 'PROJECT', 'CATALOG', 'CUSTOM', 'VAULT'];
export const ResourceTypeKind = StringEnum(RESOURCE_TYPE_KINDS);

/** C1's AppResourceType (c1.api.app.v1.AppResourceType). */
export const AppResourceType = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  displayName: Type.String(),
  traitIds: Type.Array(Type.String()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type AppResourceType = Static<typeof AppResourceType>;

export const AppResourceTypeView = Type.Object({
  appResourceType: AppResourceType,
  appPath: Type.Optional(Type.String()),
});

export const CreateResourceTypeRequest = strictObject({
  displayName: Name,
  resourceType: ResourceTypeKind,
});
export type CreateResourceTypeRequest = Static<typeof CreateResourceTypeRequest>;

export const RESOURCE_TYPE_WRITABLE = ['displayName', 'traitIds'] as const;
export type ResourceTypeWritable = (typeof RESOURCE_TYPE_WRITABLE)[number];
export const RESOURCE_TYPE_READ_ONLY = ['id', 'appId', 'createdAt', 'deletedAt', 'updatedAt'];

/** The type of an update: read-only fields a client echoes back are accepted and ignored. */
export const ResourceTypeInput = strictObject({
  displayName: Type.Optional(Name),
  traitIds: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16 })),
  id: Type.Optional(Type.String({ maxLength: 64 })),
  appId: Type.Optional(Type.String({ maxLength: 64 })),
  createdAt: Type.Optional(Type.String({ maxLength: 64 })),
  deletedAt: Type.Optional(Type.String({ maxLength: 64 })),
  updatedAt: Type.Optional(Type.String({ maxLength: 64 })),
});
export type ResourceTypeInput = Static<typeof ResourceTypeInput>;

export const UpdateResourceTypeRequest = strictObject({
  appResourceType: Type.Optional(ResourceTypeInput),
  updateMask: Type.Optional(Type.String({ maxLength: 4096 })),
});

const TraitList = Type.Array(ResourceTypeKind, { maxItems: 16 });

export const SearchResourceTypesRequest = strictObject({
  appIds: Type.Optional(IdList),
  appUserIds: Type.Optional(IdList),
  displayName: Type.Optional(Type.String({ maxLength: 1024 })),
  query: Type.Optional(Type.String({ maxLength: 1024 })),
  resourceTypeIds: Type.Optional(IdList),
  excludeResourceTypeIds: Type.Optional(IdList),
  resourceTypeTraitIds: Type.Optional(TraitList),
  excludeResourceTypeTraitIds: Type.Optional(TraitList),
  ...pageBodyFieldsRef,
});
export type SearchResourceTypesRequest = Static<typeof SearchResourceTypesRequest>;

const expanded = Type.Array(AnyMessage);
export const ResourceTypeResponse = Type.Object({ appResourceType: AppResourceType, expanded });
export const ResourceTypeGetResponse = Type.Object({ appResourceTypeView: AppResourceTypeView, expanded });
export const ResourceTypeListResponse = Type.Object({
  list: Type.Array(AppResourceTypeView),
  nextPageToken: Type.String(),
  expanded,
});
export const ResourceTypeSearchResponse = Type.Object({ list: Type.Array(AppResourceType), nextPageToken: Type.String() });
