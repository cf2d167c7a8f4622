// API clients: each has an Ed25519 key pair of which only the public half is kept.
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { record, unlogged } from '../../lib/activity.ts';
import { invalidArgument, notFound } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { SERVICE_CLIENT_ROLES } from '../roles/builtin.ts';
import type { Tenant, TenantsService } from '../tenants/service.ts';
import { type AddressConfig, audiences, clientIdHost, clientIdHostOf } from './public-address.ts';
import { newClientId, newClientSecret } from './secret.ts';
import * as store from './store.ts';

export type ClientRow = store.ClientRow;
export type PersonalFilter = store.PersonalFilter;
/** What an update of a personal client may change. */
export type PersonalChanges = Partial<Pick<ClientRow, 'name' | 'allowSourceCidr' | 'scopedRoles' | 'expiresAt'>>;

/** lastUsedAt is kept to the minute: a server writes it at most this often per client. */
const LAST_USED_EVERY_MS = 60_000;
export const ROLES = Object.keys(SERVICE_CLIENT_ROLES) as Array<keyof typeof SERVICE_CLIENT_ROLES>;
export type Role = (typeof ROLES)[number];

/**
 * Who a client acts as right now: its user (none for a service client) and the role ids
 * it acts with (a personal client: its user's roles, narrowed by scopedRoles).
 */
export type ClientIdentity = {
  tenantId: string;
  clientId: string;
  userId?: string;
  roleIds: string[];
  /** A connector credential's connector: such a client may only upload that connector's syncs (roles/authorization.ts). */
  connectorId?: string;
};

/** The roles a client acts with: a service client's one role, or its user's roles narrowed by scopedRoles. */
export function effectiveRoles(role: string | null, userRoles: string[] | null, scoped: string[]): string[] {
  if (role) return [SERVICE_CLIENT_ROLES[role as Role]].filter(Boolean);
  const mine = userRoles ?? [];
  return scoped.length > 0 ? mine.filter((r) => scoped.includes(r)) : mine;
}

/** A client as the CLI shows it; `user` is the email of a personal client's user. */
export type ClientInfo = {
  clientId: string;
  name: string;
  role: string;
  user?: string;
  createdAt: string;
  expiresAt?: string;
  lastUsedAt?: string;
  revokedAt?: string;
};

const info = (r: ClientRow, userEmail?: string | null): ClientInfo => ({
  clientId: r.id,
  name: r.name,
  role: r.role ?? 'personal',
  user: userEmail ?? undefined,
  createdAt: r.createdAt.toISOString(),
  expiresAt: r.expiresAt?.toISOString(),
  lastUsedAt: r.lastUsedAt?.toISOString(),
  revokedAt: r.revokedAt?.toISOString(),
});

export class ClientsService {
  /** clientId → (identity or undefined when inactive, when checked); lets revocation reach every server within the TTL. */
  private readonly identityCache = new Map<string, { identity?: ClientIdentity; at: number }>();
  /** clientId → when this server last wrote its lastUsedAt (ms), so most uses send no statement. */
  private readonly usedAt = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly tenants: TenantsService,
    private readonly address: AddressConfig,
    private readonly cacheMs: number,
  ) {}

  /** The host clients of a tenant reach the server at (see public-address.ts). */
  hostOf(tenant: Tenant): string {
    return clientIdHost(this.address, tenant.domain);
  }

  /**
   * Host names an assertion of this client may name as `aud`, besides the request's own:
   * its id's host, the tenant domain and GATEHOUSE_PUBLIC_HOST (the names C1's SDKs may
   * have been pointed at), with the loopback names standing for each other.
   */
  async audiencesOf(client: ClientRow, requestHost: string): Promise<Set<string>> {
    const tenant = await this.tenants.byId(client.tenantId);
    return audiences(this.address, [requestHost, clientIdHostOf(client.id), tenant?.domain ?? '']);
  }

  async create(tenant: Tenant, name: string, role: string): Promise<{ clientId: string; clientSecret: string }> {
    if (!(ROLES as readonly string[]).includes(role)) throw invalidArgument(`role: must be one of ${ROLES.join(', ')}`);
    const { clientId, clientSecret } = await this.insertWithSecret(tenant, 'name', name, { role }, this.db);
    return { clientId, clientSecret };
  }

  /**
   * A personal client: it acts as the user, with the user's roles (narrowed by `scopedRoles`
   * when given). The secret is returned once.
   */
  createPersonal(
    tenant: Tenant,
    userId: string,
    name: string,
    opts: { scopedRoles?: string[]; allowSourceCidr?: string[]; expiresAt?: Date } = {},
    db: Db = this.db,
  ): Promise<{ clientId: string; clientSecret: string; row: ClientRow }> {
    return this.insertWithSecret(
      tenant,
      'displayName',
      name,
      { userId, scopedRoles: opts.scopedRoles ?? [], allowSourceCidr: opts.allowSourceCidr ?? [], expiresAt: opts.expiresAt },
      db,
    );
  }

  /**
   * A connector credential (C1's ConnectorCredential): a client that may only upload the connector's
   * syncs. Rotating revokes the connector's live credentials in the same transaction, so a connector
   * has at most one and the previous secret stops working at once. The secret is returned once.
   */
  async rotateForConnector(
    tenant: Tenant,
    connectorId: string,
    name: string,
    db: Db,
  ): Promise<{ clientId: string; clientSecret: string; row: ClientRow }> {
    for (const old of await store.revokeConnectorCredentials(db, tenant.id, connectorId)) this.forget(old.id);
    return this.insertWithSecret(tenant, 'displayName', name, { role: 'connector', connectorId }, db);
  }

  /** A connector's credential by its credential id, live or revoked; undefined when none. */
  connectorCredential(tenantId: string, connectorId: string, credentialId: string): Promise<ClientRow | undefined> {
    return store.connectorCredential(this.db, tenantId, connectorId, credentialId);
  }

  /** Revokes a live connector credential; undefined when there is none. */
  async revokeConnectorCredential(tenantId: string, connectorId: string, credentialId: string): Promise<ClientRow | undefined> {
    const row = await this.db.transaction((tx) => store.revokeConnectorCredential(tx, tenantId, connectorId, credentialId));
    if (row) this.forget(row.id);
    return row;
  }

  /** A new client with a new key pair; only the public half is stored, the secret is returned once. */
  private async insertWithSecret(
    tenant: Tenant,
    nameField: string,
    name: string,
    values: Partial<store.NewClientRow>,
    db: Db,
  ): Promise<{ clientId: string; clientSecret: string; row: ClientRow }> {
    const n = name.trim();
    if (!n || n.length > 256) throw invalidArgument(`${nameField}: must be 1 to 256 characters`);
    // Its own transaction unless given one: the system log's event is written with it.
    if (db === this.db) return this.db.transaction((tx) => this.insertWithSecret(tenant, nameField, name, values, tx));
    const { secret, publicKey } = newClientSecret();
    const clientId = newClientId(this.hostOf(tenant));
    const credentialId = newId();
    const row = await store.insertClient(db, {
      ...values,
      tenantId: tenant.id,
      id: clientId,
      credentialId,
      name: n,
      publicKey,
    });
    const target = values.userId ? { type: 'personal_client', id: credentialId } : { type: 'client', id: clientId };
    record({ activity: 'create', targets: [target] });
    return { clientId, clientSecret: secret, row };
  }

  async list(tenantId: string): Promise<ClientInfo[]> {
    return (await store.listWithUsers(this.db, tenantId)).map((r) => info(r.client, r.email));
  }

  /** A live personal client by its credential id (C1's PersonalClient.id); undefined when none. */
  personal(tenantId: string, credentialId: string, db: Db = this.db, lock = false): Promise<ClientRow | undefined> {
    return store.personalByCredential(db, tenantId, credentialId, lock);
  }

  /** A page of live personal clients, oldest first. */
  async personalPage(tenantId: string, filter: PersonalFilter, page: PageRequest): Promise<Page<ClientRow>> {
    const rows = await store.personalPage(this.db, tenantId, filter, page);
    return toPage(rows, page.size, (r) => r.credentialId as string);
  }

  /** Changes a live personal client; undefined when there is none. Takes effect on its next request. */
  async updatePersonal(
    tenantId: string,
    credentialId: string,
    changes: PersonalChanges,
    db: Db = this.db,
  ): Promise<ClientRow | undefined> {
    const row = await store.updatePersonal(db, tenantId, credentialId, changes);
    if (row) this.forget(row.id);
    return row;
  }

  /** Revokes a live personal client; undefined when there is none. */
  async revokePersonal(tenantId: string, credentialId: string): Promise<ClientRow | undefined> {
    const row = await this.db.transaction((tx) => store.revokePersonal(tx, tenantId, credentialId));
    if (row) this.forget(row.id);
    return row;
  }

  /**
   * Notes that the client was used (a token issued or a bearer token presented). lastUsedAt has
   * one-minute granularity: this server skips clients it wrote in the last minute, and the one
   * conditional UPDATE skips those another server wrote. Bookkeeping only: a failure to write it
   * never fails the request (the next use tries again).
   */
  async recordUse(tenantId: string, clientId: string): Promise<void> {
    const now = Date.now();
    const last = this.usedAt.get(clientId);
    if (last !== undefined && now - last < LAST_USED_EVERY_MS) return;
    if (this.usedAt.size > 10_000) this.usedAt.clear();
    this.usedAt.set(clientId, now);
    try {
      // Not a state change: no system log event.
      await unlogged(() => store.touchLastUsed(this.db, tenantId, clientId));
    } catch {
      this.usedAt.delete(clientId);
    }
  }

  async revoke(tenantId: string, clientId: string): Promise<ClientInfo> {
    const row = await this.db.transaction(async (tx) => {
      const revoked = await store.revokeClient(tx, tenantId, clientId);
      if (revoked) record({ activity: 'delete', targets: [{ type: 'client', id: clientId }] });
      return revoked;
    });
    if (!row) throw notFound(`active client ${clientId}`);
    this.forget(clientId);
    return info(row);
  }

  /**
   * The client, if it may get tokens now: not revoked, not expired, and (a personal
   * client) its user enabled.
   */
  async findActive(clientId: string): Promise<ClientRow | undefined> {
    return (await store.usableClient(this.db, clientId))?.client;
  }

  /**
   * Who the client acts as, or undefined once it is revoked, expired or its user
   * disabled; cached for a short while (GATEHOUSE_CLIENT_CACHE_SECONDS), so a change
   * reaches every server within that time.
   */
  async identity(clientId: string): Promise<ClientIdentity | undefined> {
    const now = Date.now();
    const hit = this.identityCache.get(clientId);
    if (hit && now - hit.at < this.cacheMs) return hit.identity;
    const row = await store.usableClient(this.db, clientId);
    const identity: ClientIdentity | undefined = row && {
      tenantId: row.client.tenantId,
      clientId,
      userId: row.client.userId ?? undefined,
      roleIds: effectiveRoles(row.client.role, row.userRoles, row.client.scopedRoles),
      connectorId: row.client.connectorId ?? undefined,
    };
    if (this.identityCache.size > 10_000) this.identityCache.clear();
    this.identityCache.set(clientId, { identity, at: now });
    return identity;
  }

  /** The user of a personal client named by its credential id (C1's PersonalClient.id); undefined when none. */
  userOfCredential(tenantId: string, credentialId: string): Promise<string | undefined> {
    return store.userOfCredential(this.db, tenantId, credentialId);
  }

  /** Forgets what is cached about a client (after a change made on this server), its last recorded use too. */
  forget(clientId: string): void {
    this.identityCache.delete(clientId);
    this.usedAt.delete(clientId);
  }
}
