import { type Static, Type } from '@sinclair/typebox';
import { expandMaskOf } from '../../http/expand.ts';
import {
  Description,
  Expanded,
  expandedPageResponse,
  Id,
  IdList,
  Int64,
  Name,
  SearchText,
  searchRequest,
  strictObject,
  Timestamp,
  updateRequest,
} from '../../http/schemas.ts';
import { ResourceTypeKind } from '../resource-types/schemas.ts';

export { OwnerListResponse } from '../apps/schemas.ts';

const Ro = Type.Optional(Type.String({ maxLength: 64 }));
const Str = Type.Optional(Type.String());

/** C1's AppResource (c1.api.app.v1.AppResource, with the seed page's newer fields). */
export const AppResource = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  appResourceTypeId: Type.String(),
  displayName: Type.String(),
  description: Str,
  customDescription: Str,
  matchBatonId: Str,
  grantCount: Int64,
  parentAppResourceId: Str,
  parentAppResourceTypeId: Str,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type AppResource = Static<typeof AppResource>;

/** The resource with the paths of related objects in `expanded` (only an update's expand mask expands any). */
export const AppResourceView = Type.Object({
  appResource: AppResource,
  appPath: Str,
  resourceTypePath: Str,
  parentResourcePath: Str,
  parentResourceTypePath: Str,
});
export type AppResourceView = Static<typeof AppResourceView>;

export const CreateResourceRequest = strictObject({
  displayName: Name,
  description: Type.Optional(Description),
  matchBatonId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
  resourceOwnerUserIds: Type.Optional(Type.Union([IdList, Type.Null()])),
});
export type CreateResourceRequest = Static<typeof CreateResourceRequest>;

export const RESOURCE_WRITABLE = ['displayName', 'description', 'customDescription'] as const;
export type ResourceWritable = (typeof RESOURCE_WRITABLE)[number];
export const RESOURCE_READ_ONLY = [
  'id',
  'appId',
  'appResourceTypeId',
  'matchBatonId',
  'grantCount',
  'parentAppResourceId',
  'parentAppResourceTypeId',
  'externalId',
  'accessConfigId',
  'profile',
  'secretTrait',
  'createdAt',
  'deletedAt',
  'updatedAt',
];

/** The resource of an update: read-only fields a client echoes back are accepted and ignored. */
export const ResourceInput = strictObject({
  displayName: Type.Optional(Name),
  description: Type.Optional(Description),
  customDescription: Type.Optional(Description),
  id: Ro,
  appId: Ro,
  appResourceTypeId: Ro,
  matchBatonId: Type.Optional(Type.String({ maxLength: 1024 })),
  grantCount: Type.Optional(Type.String({ maxLength: 32 })),
  parentAppResourceId: Ro,
  parentAppResourceTypeId: Ro,
  externalId: Type.Optional(Type.String({ maxLength: 1024 })),
  accessConfigId: Ro,
  profile: Type.Optional(Type.Object({}, { additionalProperties: true })),
  secretTrait: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])),
  createdAt: Ro,
  deletedAt: Ro,
  updatedAt: Ro,
});
export type ResourceInput = Static<typeof ResourceInput>;

/** c1.api.app.v1.AppResourceExpandMask */
const ResourceExpandMask = expandMaskOf('app_id', 'app_resource_type_id');
export type ExpandPath = NonNullable<Static<typeof ResourceExpandMask>['paths']>[number];

export const UpdateResourceRequest = updateRequest('appResource', ResourceInput, {
  expandMask: Type.Optional(ResourceExpandMask),
});
export type UpdateResourceRequest = Static<typeof UpdateResourceRequest>;

const TraitList = Type.Array(ResourceTypeKind, { maxItems: 16 });

export const SearchResourcesRequest = searchRequest({
  appId: Type.Optional(Type.String({ maxLength: 64 })),
  appUserIds: Type.Optional(IdList),
  excludeDeletedResourceBindings: Type.Optional(Type.Boolean()),
  query: Type.Optional(SearchText),
  resourceIds: Type.Optional(IdList),
  excludeResourceIds: Type.Optional(IdList),
  resourceTypeIds: Type.Optional(IdList),
  resourceTypeTraitIds: Type.Optional(TraitList),
  excludeResourceTypeTraitIds: Type.Optional(TraitList),
  refs: Type.Optional(
    Type.Array(strictObject({ appId: Type.Optional(Id), appResourceTypeId: Type.Optional(Id), id: Type.Optional(Id) }), {
      maxItems: 1000,
    }),
  ),
  /** A field of C1's newer SDKs (sdk-fields.md): resources owned by any of these users. */
  ownerUserIds: Type.Optional(IdList),
});
export type SearchResourcesRequest = Static<typeof SearchResourcesRequest>;

export const CreateResourceResponse = Type.Object({ appResource: AppResource });
export const ResourceViewResponse = Type.Object({ appResourceView: AppResourceView, expanded: Expanded });
export const ResourceListResponse = expandedPageResponse(AppResourceView);

export const OwnerRequest = strictObject({ userId: Id });
