// Tenants: every row of Gatehouse belongs to one. The CLI manages them.
import { asc, eq } from 'drizzle-orm';
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { tenants } from '../../db/schema.ts';
import { record, unlogged } from '../../lib/activity.ts';
import { tenantDomainProblem } from '../../lib/domain.ts';
import { alreadyExists, invalidArgument, notFound } from '../../lib/errors.ts';

export type Tenant = typeof tenants.$inferSelect;

export class TenantsService {
  constructor(private readonly db: Db) {}

  async create(domain: string): Promise<Tenant> {
    const d = domain.trim().toLowerCase();
    const problem = tenantDomainProblem(d);
    if (problem) throw invalidArgument(`domain: ${problem}`);
    return this.db.transaction(async (tx) => {
      const rows = await tx.insert(tenants).values({ id: newId(), domain: d }).onConflictDoNothing().returning();
      if (rows.length === 0) throw alreadyExists(`tenant ${d} already exists`);
      // The new tenant's log starts with its creation.
      record({ activity: 'create', tenantId: rows[0].id, targets: [{ type: 'tenant', id: rows[0].id }] });
      return rows[0];
    });
  }

  /** The default tenant on first start; safe when several servers start at once. */
  async ensure(domain: string): Promise<Tenant> {
    const d = domain.trim().toLowerCase();
    // Made by the system on first start, not by the activity that first needed it.
    await unlogged(() => this.db.insert(tenants).values({ id: newId(), domain: d }).onConflictDoNothing());
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
