// Wire shapes of C1's DirectoryService (c1.api.directory.v1), with the newer SDKs' account filter
// (`all` or `celExpression`, a oneof) and `directoryMergeConfig` (accepted, ignored).
import { type Static, Type } from '@sinclair/typebox';
import { Expanded, Id, strictObject, Timestamp } from '../../http/schemas.ts';

const All = Type.Object({}, { additionalProperties: true });
const Cel = strictObject({ expression: Type.Optional(Type.String({ maxLength: 4096 })) });

export const Directory = Type.Object({
  appId: Type.String(),
  all: Type.Optional(All),
  celExpression: Type.Optional(Type.Object({ expression: Type.String() })),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Directory = Static<typeof Directory>;

export const DirectoryView = Type.Object({ directory: Directory });

const ExpandMask = strictObject({ paths: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16 })) });

export const CreateDirectoryRequest = strictObject({
  appId: Id,
  all: Type.Optional(All),
  celExpression: Type.Optional(Cel),
  expandMask: Type.Optional(ExpandMask),
  directoryMergeConfig: Type.Optional(Type.Object({}, { additionalProperties: true })),
});
export type CreateDirectoryRequest = Static<typeof CreateDirectoryRequest>;

export const DirectoryResponse = Type.Object({ directoryView: DirectoryView, expanded: Expanded });
export const DirectoryListResponse = Type.Object({
  list: Type.Array(DirectoryView),
  nextPageToken: Type.String(),
  expanded: Expanded,
});
