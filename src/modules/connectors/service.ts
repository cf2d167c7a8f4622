// Connectors (C1's ConnectorService): the record a baton sync is uploaded to, with the status
// of its last sync. An app with at least one connector is not manually managed: creating the first
// connector clears the app's isManuallyManaged and deleting the last sets it again, in the same
// transaction with the app locked FOR UPDATE (manual writes hold it FOR KEY SHARE and check the flag).
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { iso, orUndef } from '../../http/schemas.ts';
import { recordCreated, unlogged } from '../../lib/activity.ts';
import { ApiError, failedPrecondition, invalidArgument, notFound } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { columnsToSet, fieldsToUpdate } from '../../lib/update-mask.ts';
import type { AppsService } from '../apps/service.ts';
import type { ClientRow, ClientsService } from '../clients/service.ts';
import type { TenantsService } from '../tenants/service.ts';
import type { UsersService } from '../users/service.ts';
import { C1zError } from './c1z/errors.ts';
import {
  CONNECTOR_READ_ONLY,
  CONNECTOR_WRITABLE,
  type Connector,
  type ConnectorCredential,
  type ConnectorInput,
  type ConnectorWritable,
  type CreateDelegatedConnectorRequest,
  type SyncUploadResponse,
} from './schemas.ts';
import * as store from './store.ts';
import type { SyncService } from './sync.ts';

function statusOf(row: store.ConnectorRow): Connector['status'] {
  const running = row.syncStartedAt && (!row.syncCompletedAt || row.syncCompletedAt < row.syncStartedAt) && !row.lastError;
  const status = !row.syncStartedAt
    ? 'SYNC_STATUS_UNSPECIFIED'
    : row.lastError
      ? 'SYNC_STATUS_ERROR'
      : running
        ? 'SYNC_STATUS_RUNNING'
        : 'SYNC_STATUS_DONE';
  return {
    status,
    startedAt: iso(row.syncStartedAt),
    completedAt: iso(row.syncCompletedAt),
    lastError: orUndef(row.lastError),
    updatedAt: iso(row.syncStartedAt ? row.updatedAt : null),
  };
}

function toConnector(row: store.ConnectorRow): Connector {
  return {
    id: row.id,
    appId: row.appId,
    displayName: row.displayName,
    description: orUndef(row.description),
    catalogId: orUndef(row.catalogId),
    userIds: row.userIds,
    config: orUndef(row.config),
    status: statusOf(row),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const MAX_CONFIG_DEPTH = 32;

/**
 * Very deep values overflow the stack on their way into JSONB: `config` is checked first, so that
 * is a 400 naming the field. (Text JSONB cannot hold, NUL and unpaired surrogates, is refused for
 * every body by the validator, src/http/validation.ts.)
 */
function checkConfig(value: unknown, field: string, depth = 0): void {
  if (depth > MAX_CONFIG_DEPTH) throw invalidArgument(`${field}: nested deeper than ${MAX_CONFIG_DEPTH} levels`);
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) checkConfig(v, field, depth + 1);
  }
}

export type ConnectorCreate = CreateDelegatedConnectorRequest & { config?: Record<string, unknown> };

/** A bytea holds at most 1 GiB: a larger upload is applied but not kept for ForceSync. */
export const KEEP_MAX_BYTES = 1024 * 1024 * 1024 - 1024;

function toCredential(row: ClientRow, appId: string): ConnectorCredential {
  return {
    id: row.credentialId ?? row.id,
    clientId: row.id,
    appId,
    connectorId: row.connectorId ?? '',
    displayName: row.name,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    lastUsedAt: iso(row.lastUsedAt),
    deletedAt: iso(row.revokedAt),
  };
}

export type ConnectorsDeps = {
  apps: AppsService;
  users: UsersService;
  sync: SyncService;
  clients: ClientsService;
  tenants: TenantsService;
};

export class ConnectorsService {
  private readonly apps: AppsService;
  private readonly users: UsersService;
  private readonly sync: SyncService;

  constructor(
    private readonly db: Db,
    private readonly s: ConnectorsDeps,
  ) {
    ({ apps: this.apps, users: this.users, sync: this.sync } = s);
  }

  /** Integration owners must be users of the tenant: an unknown one is a 400 naming it. */
  private async ownerIds(tenantId: string, ids: string[] | undefined, field: string, db: Db): Promise<string[]> {
    const unique = [...new Set(ids ?? [])];
    if (unique.length === 0) return unique;
    const found = await this.users.byIds(tenantId, unique, db);
    const unknown = unique.find((id) => !found.has(id));
    if (unknown !== undefined) throw invalidArgument(`${field}: no user with id "${unknown}"`);
    return unique;
  }

  async create(tenantId: string, appId: string, req: ConnectorCreate): Promise<Connector> {
    checkConfig(req.config, 'config');
    return this.db.transaction(async (tx) => {
      await this.apps.requireRow(tenantId, appId, tx, true);
      const row = await store.insertConnector(tx, {
        tenantId,
        id: newId(),
        appId,
        displayName: req.displayName ?? '',
        description: req.description || null,
        catalogId: req.catalogId || null,
        userIds: await this.ownerIds(tenantId, req.userIds, 'userIds', tx),
        config: req.config ?? null,
      });
      recordCreated('connector', row.id);
      await this.apps.setManuallyManaged(tx, tenantId, appId, false);
      return toConnector(row);
    });
  }

  async get(tenantId: string, appId: string, id: string, db: Db = this.db): Promise<Connector> {
    return toConnector(await this.requireRow(tenantId, appId, id, db));
  }

  async list(tenantId: string, appId: string, page: PageRequest): Promise<Page<Connector>> {
    await this.apps.requireRow(tenantId, appId);
    const p = toPage(await store.listConnectors(this.db, tenantId, appId, page), page.size, (r) => r.id);
    return { list: p.list.map(toConnector), nextPageToken: p.nextPageToken };
  }

  async update(
    tenantId: string,
    appId: string,
    id: string,
    input: ConnectorInput | undefined,
    updateMask: string | undefined,
  ): Promise<Connector> {
    const fields = fieldsToUpdate<ConnectorWritable>(updateMask, CONNECTOR_WRITABLE, CONNECTOR_READ_ONLY, input);
    const set = columnsToSet<ConnectorWritable, store.NewConnectorRow>(fields, input, {
      displayName: (v) => ({ displayName: (v as string | undefined) ?? '' }),
      description: (v) => ({ description: (v as string | undefined) || null }),
      catalogId: (v) => ({ catalogId: (v as string | undefined) || null }),
    });
    if (fields.includes('config')) checkConfig(input?.config, 'connector.config');
    if (fields.includes('userIds')) set.userIds = await this.ownerIds(tenantId, input?.userIds, 'connector.userIds', this.db);
    const row =
      fields.length > 0 ? await this.db.transaction((tx) => store.updateConnector(tx, tenantId, appId, id, set)) : undefined;
    return toConnector(row ?? (await this.requireRow(tenantId, appId, id)));
  }

  /** Deleting the app's last connector makes the app manually managed again; what it synced stays. */
  async delete(tenantId: string, appId: string, id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.apps.requireRow(tenantId, appId, tx, true);
      if (!(await store.deleteConnector(tx, tenantId, appId, id))) throw notFound('connector');
      if ((await store.countOfApp(tx, tenantId, appId)) === 0) await this.apps.setManuallyManaged(tx, tenantId, appId, true);
    });
  }

  /**
   * Applies an uploaded c1z file to the connector's app (SyncService) and records the sync on the
   * connector: startedAt first, then completedAt, or lastError when the file is refused or the sync
   * fails (the app is then unchanged and the error is answered).
   */
  async upload(tenantId: string, appId: string, id: string, file: Uint8Array): Promise<SyncUploadResponse> {
    await this.requireRow(tenantId, appId, id);
    return this.applyFile(tenantId, appId, id, file, true);
  }

  /**
   * C1's ForceSync: Gatehouse runs no connector, so it re-applies the last file the connector applied
   * (kept by upload), now, and answers once it is applied. FAILED_PRECONDITION when none is kept.
   */
  async forceSync(tenantId: string, appId: string, id: string): Promise<void> {
    await this.requireRow(tenantId, appId, id);
    const file = await store.syncFile(this.db, tenantId, id);
    if (!file) throw failedPrecondition('the connector has no uploaded sync to apply again: upload one to .../sync first');
    await this.applyFile(tenantId, appId, id, file, false);
  }

  /** RotateCredential: a new credential for the connector; its live ones are revoked (a connector has one). */
  async rotateCredential(
    tenantId: string,
    appId: string,
    id: string,
  ): Promise<{ credential: ConnectorCredential; clientSecret: string }> {
    const tenant = await this.s.tenants.byId(tenantId);
    if (!tenant) throw notFound('tenant');
    return this.db.transaction(async (tx) => {
      // Locked: two rotations of one connector run one after the other, so one credential stays.
      const connector = await store.getConnector(tx, tenantId, appId, id, true);
      if (!connector) throw notFound('connector');
      const name = `connector ${connector.displayName || connector.id}`.slice(0, 256);
      const made = await this.s.clients.rotateForConnector(tenant, id, name, tx);
      return { credential: toCredential(made.row, appId), clientSecret: made.clientSecret };
    });
  }

  /** A credential of the connector (a revoked one carries deletedAt); 404 when the connector has none by that id. */
  async getCredential(tenantId: string, appId: string, id: string, credentialId: string): Promise<ConnectorCredential> {
    await this.requireRow(tenantId, appId, id);
    const row = await this.s.clients.connectorCredential(tenantId, id, credentialId);
    if (!row) throw notFound('connector credential');
    return toCredential(row, appId);
  }

  /** Revokes a live credential of the connector: its tokens stop working within GATEHOUSE_CLIENT_CACHE_SECONDS. */
  async revokeCredential(tenantId: string, appId: string, id: string, credentialId: string): Promise<void> {
    await this.requireRow(tenantId, appId, id);
    if (!(await this.s.clients.revokeConnectorCredential(tenantId, id, credentialId)))
      throw notFound('live connector credential');
  }

  private async applyFile(
    tenantId: string,
    appId: string,
    id: string,
    file: Uint8Array,
    keep: boolean,
  ): Promise<SyncUploadResponse> {
    // The sync's own status and kept file are bookkeeping, outside the system log; what the sync
    // changes is logged by its transactions.
    const status = (set: Partial<store.NewConnectorRow>) =>
      unlogged(() => store.updateConnector(this.db, tenantId, appId, id, set));
    await status({ syncStartedAt: new Date(), lastError: null });
    try {
      const r = await this.sync.apply(tenantId, appId, file);
      if (keep && file.length <= KEEP_MAX_BYTES) await unlogged(() => store.keepSyncFile(this.db, tenantId, id, file));
      const row = await status({ syncCompletedAt: new Date() });
      const { linked, ...accounts } = r.accounts;
      return {
        connectorView: { connector: toConnector(row ?? (await this.requireRow(tenantId, appId, id))) },
        sync: { id: r.sync.id, startedAt: r.sync.startedAt, endedAt: r.sync.endedAt, finished: r.sync.finished },
        resourceTypes: r.resourceTypes,
        resources: r.resources,
        entitlements: r.entitlements,
        accounts: { ...accounts, linkedToUsers: linked },
        grants: r.grants,
        directory: r.directory,
      };
    } catch (err) {
      const refused =
        err instanceof C1zError ? new C1zError(err.reason, `c1z file refused (${err.reason}): ${err.message}`) : err;
      const message = refused instanceof ApiError || refused instanceof Error ? refused.message : String(refused);
      await status({ lastError: message });
      throw refused;
    }
  }

  private async requireRow(tenantId: string, appId: string, id: string, db: Db = this.db): Promise<store.ConnectorRow> {
    const row = await store.getConnector(db, tenantId, appId, id);
    if (!row) throw notFound('connector');
    return row;
  }
}
