// API clients: each has an Ed25519 key pair of which only the public half is kept.
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { clients } from '../../db/schema.ts';
import { invalidArgument, notFound } from '../../lib/errors.ts';
import type { Tenant, TenantsService } from '../tenants/service.ts';
import { type AddressConfig, audiences, clientIdHost, clientIdHostOf } from './public-address.ts';
import { newClientId, newClientSecret } from './secret.ts';

export type ClientRow = typeof clients.$inferSelect;
export const ROLES = ['admin', 'read-only'] as const;
export type Role = (typeof ROLES)[number];

export type ClientInfo = { clientId: string; name: string; role: string; createdAt: string; revokedAt?: string };

const info = (r: ClientRow): ClientInfo => ({
  clientId: r.id,
  name: r.name,
  role: r.role,
  createdAt: r.createdAt.toISOString(),
  revokedAt: r.revokedAt?.toISOString(),
});

export class ClientsService {
  /** clientId → (active?, when checked); lets revocation reach every server within the TTL. */
  private readonly activeCache = new Map<string, { active: boolean; at: number }>();

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
    await this.db.insert(clients).values({ tenantId: tenant.id, id: clientId, name: n, role, publicKey });
    return { clientId, clientSecret: secret };
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
    this.activeCache.delete(clientId);
    return info(row);
  }

  /** The client, if it exists and is not revoked. */
  async findActive(clientId: string): Promise<ClientRow | undefined> {
    const [row] = await this.db
      .select()
      .from(clients)
      .where(and(eq(clients.id, clientId), isNull(clients.revokedAt)));
    return row;
  }

  /** Whether tokens of this client are still good; cached for a short while. */
  async isActive(clientId: string): Promise<boolean> {
    const now = Date.now();
    const hit = this.activeCache.get(clientId);
    if (hit && now - hit.at < this.cacheMs) return hit.active;
    const active = (await this.findActive(clientId)) !== undefined;
    if (this.activeCache.size > 10_000) this.activeCache.clear();
    this.activeCache.set(clientId, { active, at: now });
    return active;
  }
}
