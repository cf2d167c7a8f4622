import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { emptyRoute, listRoute, operations, route } from '../../http/routes.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import {
  ConnectorListResponse,
  ConnectorResponse,
  CreateConnectorRequest,
  CreateDelegatedConnectorRequest,
  GetCredentialsResponse,
  RotateCredentialRequest,
  RotateCredentialResponse,
  SyncUploadResponse,
  UpdateConnectorRequest,
} from './schemas.ts';

const AppParams = Type.Object({ app_id: Id });
const ConnectorParams = Type.Object({ app_id: Id, id: Id });
const UploadParams = Type.Object({ app_id: Id, connector_id: Id });
const DelegatedParams = Type.Object({ connector_app_id: Id, connector_id: Id });
const CredentialParams = Type.Object({ app_id: Id, connector_id: Id, id: Id });

export async function connectorRoutes(api: Api, core: Core): Promise<void> {
  const connectors = core.services.connectors;
  const op = operations('c1.api.app.v1.ConnectorService', ['Connector']);
  const view = async (c: Promise<Awaited<ReturnType<typeof connectors.get>>>) => ({
    connectorView: { connector: await c },
    expanded: [],
  });
  const makes =
    'The app stops being manually managed (`isManuallyManaged` false): its resource types, resources and entitlements ' +
    'are then written only by syncs uploaded to `/connectors/{connector_id}/sync`, and manual writes to them answer 400 ' +
    '(FAILED_PRECONDITION). `userIds` must be users of the tenant (else a 400 naming the id); `config` is stored as given; `expandMask` is accepted and nothing is expanded. ' +
    '404 when the app is not in the tenant.';

  route(
    api,
    'POST',
    '/apps/:app_id/connectors/create',
    {
      ...op('Create', 'Create a connector', `Adds a connector to the app. ${makes}`),
      params: AppParams,
      body: CreateConnectorRequest,
      response: ConnectorResponse,
    },
    (tenant, p, body) => view(connectors.create(tenant, p.app_id, body)),
  );

  route(
    api,
    'POST',
    '/apps/:app_id/connectors',
    {
      ...op(
        'CreateDelegated',
        'Create a delegated connector',
        `Adds a connector with a display name to the app. ${makes} \`appManagedStateBindingRef\` is ignored.`,
      ),
      params: AppParams,
      body: CreateDelegatedConnectorRequest,
      response: ConnectorResponse,
    },
    (tenant, p, body) => view(connectors.create(tenant, p.app_id, body)),
  );

  listRoute(
    api,
    '/apps/:app_id/connectors',
    {
      ...op(
        'List',
        'List connectors of an app',
        "The app's connectors, paged by `page_size` (default 25, clamped to 10..100) and `page_token`. 404 when the app " +
          'is not in the tenant.',
      ),
      params: AppParams,
      response: ConnectorListResponse,
    },
    async (tenant, p, page) => {
      const found = await connectors.list(tenant, p.app_id, page);
      return { list: found.list.map((connector) => ({ connector })), nextPageToken: found.nextPageToken, expanded: [] };
    },
  );

  route(
    api,
    'GET',
    '/apps/:app_id/connectors/:id',
    {
      ...op('Get', 'Get a connector', "The connector with its last sync's status. 404 when the app has no such connector."),
      params: ConnectorParams,
      response: ConnectorResponse,
    },
    (tenant, p) => view(connectors.get(tenant, p.app_id, p.id)),
  );

  route(
    api,
    'POST',
    '/apps/:app_id/connectors/:id',
    {
      ...op(
        'Update',
        'Update a connector',
        'Changes the fields the `updateMask` names (`displayName`, `description`, `catalogId`, `userIds`, `config`); ' +
          'without a mask, those present. A read-only field in the mask (`status`, `appId`, ...) or an unknown one is ' +
          'a 400; other fields of the connector are ignored. 404 when the app has no such connector.',
      ),
      params: ConnectorParams,
      body: UpdateConnectorRequest,
      response: ConnectorResponse,
    },
    (tenant, p, body) => view(connectors.update(tenant, p.app_id, p.id, body.connector, body.updateMask)),
  );

  route(
    api,
    'POST',
    '/apps/:connector_app_id/connectors/:connector_id/delegated',
    {
      ...op(
        'UpdateDelegated',
        'Update a delegated connector',
        'The same as Update (Gatehouse makes no difference between delegated connectors and others): the `updateMask` ' +
          'names what changes (`displayName`, `description`, `catalogId`, `userIds`, `config`). 404 when the app has no such connector.',
      ),
      params: DelegatedParams,
      body: UpdateConnectorRequest,
      response: ConnectorResponse,
    },
    (tenant, p, body) => view(connectors.update(tenant, p.connector_app_id, p.connector_id, body.connector, body.updateMask)),
  );

  emptyRoute(
    api,
    'POST',
    '/apps/:app_id/connectors/:connector_id/force_sync',
    {
      ...op(
        'ForceSync',
        'Apply the last sync again',
        'Gatehouse runs no connector: it applies again, now, the last c1z file uploaded to the connector ' +
          '(`/connectors/{connector_id}/sync`) and answers when done; the status is recorded as for an upload. ' +
          '400 FAILED_PRECONDITION when nothing was uploaded yet (or the last file was over 1 GiB, which is not kept); ' +
          '404 when the app has no such connector. Limited by GATEHOUSE_SYNC_TIMEOUT_MS, not the request timeout.',
      ),
      params: UploadParams,
      timeoutMs: core.config.syncTimeoutMs,
    },
    (tenant, p) => connectors.forceSync(tenant, p.app_id, p.connector_id),
  );

  route(
    api,
    'POST',
    '/apps/:app_id/connectors/:connector_id/credentials',
    {
      ...op(
        'RotateCredential',
        'Rotate the connector credential',
        "A new client id and secret for the connector (the secret is answered only here); the connector's previous " +
          'credential is revoked at once. The credential gets tokens at `/auth/v1/token` like any client and may only ' +
          'upload syncs to this connector (every other call: 403). 404 when the app has no such connector.',
      ),
      params: UploadParams,
      body: RotateCredentialRequest,
      response: RotateCredentialResponse,
    },
    (tenant, p) => connectors.rotateCredential(tenant, p.app_id, p.connector_id),
  );

  route(
    api,
    'GET',
    '/apps/:app_id/connectors/:connector_id/credentials/:id',
    {
      ...op(
        'GetCredentials',
        'Get a connector credential',
        'The credential by its id (never its secret); a revoked one carries `deletedAt`. 404 when the connector has no such credential.',
      ),
      params: CredentialParams,
      response: GetCredentialsResponse,
    },
    async (tenant, p) => ({ credential: await connectors.getCredential(tenant, p.app_id, p.connector_id, p.id) }),
  );

  emptyRoute(
    api,
    'POST',
    '/apps/:app_id/connectors/:connector_id/credentials/:id',
    {
      ...op(
        'RevokeCredential',
        'Revoke a connector credential',
        'Its secret can no longer get tokens, and tokens it got stop working (within GATEHOUSE_CLIENT_CACHE_SECONDS). ' +
          '404 when the connector has no such live credential.',
      ),
      params: CredentialParams,
    },
    (tenant, p) => connectors.revokeCredential(tenant, p.app_id, p.connector_id, p.id),
  );

  emptyRoute(
    api,
    'DELETE',
    '/apps/:app_id/connectors/:id',
    {
      ...op(
        'Delete',
        'Delete a connector',
        'Deletes the connector; what it synced stays. When it was the last one, the app is manually managed again. ' +
          '404 when the app has no such connector.',
      ),
      params: ConnectorParams,
    },
    (tenant, p) => connectors.delete(tenant, p.app_id, p.id),
  );

  // The upload takes raw bytes: its own scope, so the parser and body limit apply to this route only.
  await api.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    route(
      scope as Api,
      'POST',
      '/apps/:app_id/connectors/:connector_id/sync',
      {
        operationId: 'gatehouse.ConnectorSync.Upload',
        tags: ['Connector'],
        summary: 'Upload a sync (Gatehouse)',
        description:
          'A Gatehouse addition, not a C1 operation: the body is a baton c1z file (`Content-Type: ' +
          'application/octet-stream`, at most GATEHOUSE_SYNC_MAX_BYTES), applied to the app as a full snapshot ' +
          '(docs/connectors.md). The connector records `status.startedAt`, then `completedAt`, or `lastError` when ' +
          'the file is refused (a 400 naming the reason, e.g. `v3`) or the sync conflicts with the app (400, code 9); ' +
          'the app is then unchanged. Answers the connector and what the sync added and removed. The file is kept (up to 1 GiB) ' +
          'for ForceSync. A credential of this connector (RotateCredential) may call this, and nothing else. ' +
          'The upload and the apply are limited by GATEHOUSE_SYNC_TIMEOUT_MS (default 30 minutes), not the request timeout.',
        params: UploadParams,
        response: SyncUploadResponse,
        bodyLimit: core.config.syncMaxBytes,
        timeoutMs: core.config.syncTimeoutMs,
      },
      async (tenant, p, body: unknown) => {
        if (!(body instanceof Uint8Array) || body.length === 0) {
          throw invalidArgument('body: the c1z file is required, as Content-Type application/octet-stream');
        }
        return connectors.upload(tenant, p.app_id, p.connector_id, body);
      },
    );
  });
}
