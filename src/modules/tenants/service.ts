// Tenants: every row of Gatehouse belongs to one. The CLI manages them.
import { asc, eq } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { tenants } from '../../db/schema.ts';
import { alreadyExists, invalidArgument, notFound } from '../../lib/errors.ts';

export type Tenant = typeof tenants.$inferSelect;

// A host name, optionally with a port: what clients put in front of /api/v1.
const DOMAIN = /^(?=.{1,253}(:|$))[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:[0-9]{1,5})?$/;

export class TenantsService {
  constructor(private readonly db: Db) {}

  async create(domain: string): Promise<Tenant> {
    const d = domain.trim().toLowerCase();
    if (!DOMAIN.test(d)) throw invalidArgument(`domain: "${domain}" is not a host name`);
    const rows = await this.db.insert(tenants).values({ id: newId(), domain: d }).onConflictDoNothing().returning();
    if (rows.length === 0) throw alreadyExists(`tenant ${d} already exists`);
    return rows[0];
  }

  /** The default tenant on first start; safe when several servers start at once. */
  async ensure(domain: string): Promise<Tenant> {
    const d = domain.trim().toLowerCase();
    await this.db.insert(tenants).values({ id: newId(), domain: d }).onConflictDoNothing();
    return this.getByDomain(d);
  }

  async getByDomain(domain: string): Promise<Tenant> {
    const [row] = await this.db.select().from(tenants).where(eq(tenants.domain, domain.trim().toLowerCase()));
    if (!row) throw notFound(`tenant ${domain}`);
    return row;
  }

  async byId(id: string): Promise<Tenant | undefined> {
    const [row] = await this.db.select().from(tenants).where(eq(tenants.id, id));
    return row;
  }

  async list(): Promise<Tenant[]> {
    return this.db.select().from(tenants).orderBy(asc(tenants.id));
  }
}
