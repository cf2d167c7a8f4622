// API clients: each has an Ed25519 key pair of which only the public half is kept.
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { clients, users } from '../../db/schema.ts';
import { invalidArgument, notFound } from '../../lib/errors.ts';
import { SERVICE_CLIENT_ROLES } from '../roles/builtin.ts';
import type { Tenant, TenantsService } from '../tenants/service.ts';
import { type AddressConfig, audiences, clientIdHost, clientIdHostOf } from './public-address.ts';
import { newClientId, newClientSecret } from './secret.ts';

export type ClientRow = typeof clients.$inferSelect;
export const ROLES = Object.keys(SERVICE_CLIENT_ROLES) as Array<keyof typeof SERVICE_CLIENT_ROLES>;
export type Role = (typeof ROLES)[number];

/**
 * Who a client acts as right now: its user (none for a service client) and the role ids
 * it acts with (a personal client: its user's roles, narrowed by scopedRoles).
 */
export type ClientIdentity = { tenantId: string; clientId: string; userId?: string; roleIds: string[] };

/** The roles a client acts with: a service client's one role, or its user's roles narrowed by scopedRoles. */
export function effectiveRoles(role: string | null, userRoles: string[] | null, scoped: string[]): string[] {
  if (role) return [SERVICE_CLIENT_ROLES[role as Role]].filter(Boolean);
  const mine = userRoles ?? [];
  return scoped.length > 0 ? mine.filter((r) => scoped.includes(r)) : mine;
}

export type ClientInfo = { clientId: string; name: string; role: string; createdAt: string; revokedAt?: string };

const info = (r: ClientRow): ClientInfo => ({
  clientId: r.id,
  name: r.name,
  role: r.role ?? 'personal',
  createdAt: r.createdAt.toISOString(),
  revokedAt: r.revokedAt?.toISOString(),
});

export class ClientsService {
  /** clientId → (identity or undefined when inactive, when checked); lets revocation reach every server within the TTL. */
  private readonly identityCache = new Map<string, { identity?: ClientIdentity; at: number }>();

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
    const n = name.trim();
    if (!n || n.length > 256) throw invalidArgument('name: must be 1 to 256 characters');
    if (!(ROLES as readonly string[]).includes(role)) throw invalidArgument(`role: must be one of ${ROLES.join(', ')}`);
    const { secret, publicKey } = newClientSecret();
    const clientId = newClientId(this.hostOf(tenant));
    await this.db.insert(clients).values({ tenantId: tenant.id, id: clientId, credentialId: newId(), name: n, role, publicKey });
    return { clientId, clientSecret: secret };
  }

  /**
   * A personal client: it acts as the user, with the user's roles (narrowed by `scopedRoles`
   * when given). The secret is returned once.
   */
  async createPersonal(
    tenant: Tenant,
    userId: string,
    name: string,
    opts: { scopedRoles?: string[]; allowSourceCidr?: string[]; expiresAt?: Date } = {},
    db: Db = this.db,
  ): Promise<{ clientId: string; clientSecret: string; row: ClientRow }> {
    const n = name.trim();
    if (!n || n.length > 256) throw invalidArgument('displayName: must be 1 to 256 characters');
    const { secret, publicKey } = newClientSecret();
    const clientId = newClientId(this.hostOf(tenant));
    const [row] = await db
      .insert(clients)
      .values({
        tenantId: tenant.id,
        id: clientId,
        credentialId: newId(),
        name: n,
        userId,
        publicKey,
        scopedRoles: opts.scopedRoles ?? [],
        allowSourceCidr: opts.allowSourceCidr ?? [],
        expiresAt: opts.expiresAt,
      })
      .returning();
    return { clientId, clientSecret: secret, row };
  }

  async list(tenantId: string): Promise<ClientInfo[]> {
    const rows = await this.db.select().from(clients).where(eq(clients.tenantId, tenantId)).orderBy(asc(clients.createdAt));
    return rows.map(info);
  }

  async revoke(tenantId: string, clientId: string): Promise<ClientInfo> {
    const [row] = await this.db
      .update(clients)
      .set({ revokedAt: new Date() })
      .where(and(eq(clients.tenantId, tenantId), eq(clients.id, clientId), isNull(clients.revokedAt)))
      .returning();
    if (!row) throw notFound(`active client ${clientId}`);
    this.forget(clientId);
    return info(row);
  }

  /**
   * The client, if it may get tokens now: not revoked, not expired, and (a personal
   * client) its user enabled.
   */
  async findActive(clientId: string): Promise<ClientRow | undefined> {
    const [row] = await this.db
      .select({ client: clients })
      .from(clients)
      .leftJoin(users, and(eq(users.tenantId, clients.tenantId), eq(users.id, clients.userId)))
      .where(and(eq(clients.id, clientId), isNull(clients.revokedAt), usable));
    return row?.client;
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
    const [row] = await this.db
      .select({
        tenantId: clients.tenantId,
        role: clients.role,
        userId: clients.userId,
        scoped: clients.scopedRoles,
        userRoles: users.roleIds,
      })
      .from(clients)
      .leftJoin(users, and(eq(users.tenantId, clients.tenantId), eq(users.id, clients.userId)))
      .where(and(eq(clients.id, clientId), isNull(clients.revokedAt), usable));
    const identity: ClientIdentity | undefined = row && {
      tenantId: row.tenantId,
      clientId,
      userId: row.userId ?? undefined,
      roleIds: effectiveRoles(row.role, row.userRoles, row.scoped),
    };
    if (this.identityCache.size > 10_000) this.identityCache.clear();
    this.identityCache.set(clientId, { identity, at: now });
    return identity;
  }

  /** The user of a personal client named by its credential id (C1's PersonalClient.id); undefined when none. */
  async userOfCredential(tenantId: string, credentialId: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ userId: clients.userId })
      .from(clients)
      .where(and(eq(clients.tenantId, tenantId), eq(clients.credentialId, credentialId), isNull(clients.revokedAt)));
    return row?.userId ?? undefined;
  }

  /** Forgets what is cached about a client (after a change made on this server). */
  forget(clientId: string): void {
    this.identityCache.delete(clientId);
  }
}

/** Not expired, and a service client or one whose user is enabled (the join above). */
const usable = sql`(${clients.expiresAt} is null or ${clients.expiresAt} > now()) and (${clients.userId} is null or ${users.status} = 'ENABLED')`;
