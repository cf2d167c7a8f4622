import { type Static, Type } from '@sinclair/typebox';
import {
  Expanded,
  expandedPageResponse,
  IdList,
  Name,
  pageResponse,
  SearchText,
  StringEnum,
  searchRequest,
  strictObject,
  Timestamp,
  updateRequest,
} from '../../http/schemas.ts';

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

export const UpdateResourceTypeRequest = updateRequest('appResourceType', ResourceTypeInput);

const TraitList = Type.Array(ResourceTypeKind, { maxItems: 16 });

export const SearchResourceTypesRequest = searchRequest({
  appIds: Type.Optional(IdList),
  appUserIds: Type.Optional(IdList),
  displayName: Type.Optional(SearchText),
  query: Type.Optional(SearchText),
  resourceTypeIds: Type.Optional(IdList),
  excludeResourceTypeIds: Type.Optional(IdList),
  resourceTypeTraitIds: Type.Optional(TraitList),
  excludeResourceTypeTraitIds: Type.Optional(TraitList),
});
export type SearchResourceTypesRequest = Static<typeof SearchResourceTypesRequest>;

export const ResourceTypeResponse = Type.Object({ appResourceType: AppResourceType, expanded: Expanded });
export const ResourceTypeGetResponse = Type.Object({ appResourceTypeView: AppResourceTypeView, expanded: Expanded });
export const ResourceTypeListResponse = expandedPageResponse(AppResourceTypeView);
export const ResourceTypeSearchResponse = pageResponse(AppResourceType);
