// Wire shapes of C1's ConnectorService (c1.api.app.v1.Connector*), plus Gatehouse's sync upload answer.
import { type Static, Type } from '@sinclair/typebox';
import { Description, Expanded, IdList, Name, strictObject, Timestamp, updateRequest } from '../../http/schemas.ts';

const SYNC_STATUS = [
  'SYNC_STATUS_UNSPECIFIED',
  'SYNC_STATUS_RUNNING',
  'SYNC_STATUS_DONE',
  'SYNC_STATUS_ERROR',
  'SYNC_STATUS_DISABLED',
];

export const ConnectorStatus = Type.Object({
  status: Type.String({ enum: SYNC_STATUS }),
  startedAt: Type.Optional(Timestamp),
  completedAt: Type.Optional(Timestamp),
  lastError: Type.Optional(Type.String()),
  updatedAt: Type.Optional(Timestamp),
});
export type ConnectorStatus = Static<typeof ConnectorStatus>;

/** C1's config: an Any (`@type` and its fields), stored and answered as given. */
const ConfigIn = Type.Object({ '@type': Type.Optional(Type.String({ maxLength: 256 })) }, { additionalProperties: true });

export const Connector = Type.Object({
  id: Type.String(),
  appId: Type.String(),
  displayName: Type.String(),
  description: Type.Optional(Type.String()),
  catalogId: Type.Optional(Type.String()),
  userIds: Type.Array(Type.String()),
  config: Type.Optional(ConfigIn),
  status: ConnectorStatus,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Connector = Static<typeof Connector>;

export const ConnectorView = Type.Object({ connector: Connector });

/** C1's ConnectorExpandMask: accepted; nothing is expanded (`expanded` is always empty). */
const ExpandMask = strictObject({ paths: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16 })) });
const shared = {
  catalogId: Type.Optional(Type.String({ maxLength: 64 })),
  description: Type.Optional(Description),
  userIds: Type.Optional(IdList),
  expandMask: Type.Optional(ExpandMask),
};

export const CreateConnectorRequest = strictObject({ ...shared, config: Type.Optional(ConfigIn) });
export type CreateConnectorRequest = Static<typeof CreateConnectorRequest>;

/** C1's AppManagedStateBindingRef: accepted and ignored. */
const BindingRef = Type.Object({}, { additionalProperties: true });
export const CreateDelegatedConnectorRequest = strictObject({
  ...shared,
  displayName: Type.Optional(Name),
  appManagedStateBindingRef: Type.Optional(BindingRef),
});
export type CreateDelegatedConnectorRequest = Static<typeof CreateDelegatedConnectorRequest>;

/** Fields an update may change. */
export const CONNECTOR_WRITABLE = ['displayName', 'description', 'catalogId', 'userIds', 'config'] as const;
export type ConnectorWritable = (typeof CONNECTOR_WRITABLE)[number];
/** Fields of C1's Connector an update mask may not name (read-only, or not kept by Gatehouse). */
export const CONNECTOR_READ_ONLY = [
  'id',
  'appId',
  'status',
  'createdAt',
  'updatedAt',
  'deletedAt',
  'downloadUrl',
  'oauthAuthorizedAs',
  'syncDisabledAt',
];

/** C1's Connector as an update gives it: writable fields are checked; others a client echoes back are ignored. */
export const ConnectorInput = Type.Object(
  {
    displayName: Type.Optional(Name),
    description: Type.Optional(Description),
    catalogId: Type.Optional(Type.String({ maxLength: 64 })),
    userIds: Type.Optional(IdList),
    config: Type.Optional(ConfigIn),
  },
  { additionalProperties: true },
);
export type ConnectorInput = Static<typeof ConnectorInput>;

export const UpdateConnectorRequest = updateRequest('connector', ConnectorInput, { expandMask: Type.Optional(ExpandMask) });
export type UpdateConnectorRequest = Static<typeof UpdateConnectorRequest>;

export const ConnectorResponse = Type.Object({ connectorView: ConnectorView, expanded: Expanded });
export const ConnectorListResponse = Type.Object({
  list: Type.Array(ConnectorView),
  nextPageToken: Type.String(),
  expanded: Expanded,
});

const Tally = Type.Object({ total: Type.Integer(), added: Type.Integer(), removed: Type.Integer() });

/** Gatehouse's answer to a sync upload: the connector's new status and what the sync changed. */
export const SyncUploadResponse = Type.Object({
  connectorView: ConnectorView,
  sync: Type.Object({
    id: Type.String(),
    startedAt: Type.String(),
    endedAt: Type.Optional(Type.String()),
    finished: Type.Boolean(),
  }),
  resourceTypes: Tally,
  resources: Tally,
  entitlements: Tally,
  accounts: Type.Object({ total: Type.Integer(), added: Type.Integer(), removed: Type.Integer(), linkedToUsers: Type.Integer() }),
  grants: Type.Object({ total: Type.Integer(), added: Type.Integer(), removed: Type.Integer(), unchanged: Type.Integer() }),
  /** When the app is a directory: identity users created, updated, disabled, and whose managers were set. */
  directory: Type.Optional(
    Type.Object({ created: Type.Integer(), updated: Type.Integer(), disabled: Type.Integer(), managersSet: Type.Integer() }),
  ),
});
export type SyncUploadResponse = Static<typeof SyncUploadResponse>;

/** C1's ConnectorCredential: the client a connector authenticates with (its secret is answered only by RotateCredential). */
export const ConnectorCredential = Type.Object({
  id: Type.String(),
  clientId: Type.String(),
  appId: Type.String(),
  connectorId: Type.String(),
  displayName: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  lastUsedAt: Type.Optional(Timestamp),
  deletedAt: Type.Optional(Timestamp),
});
export type ConnectorCredential = Static<typeof ConnectorCredential>;

/** RotateCredential's body: nothing, or the newer SDKs' copies of the path's ids (ignored). */
export const RotateCredentialRequest = strictObject({
  appId: Type.Optional(Type.String({ maxLength: 64 })),
  connectorId: Type.Optional(Type.String({ maxLength: 64 })),
});
export const RotateCredentialResponse = Type.Object({ credential: ConnectorCredential, clientSecret: Type.String() });
export const GetCredentialsResponse = Type.Object({ credential: ConnectorCredential });
