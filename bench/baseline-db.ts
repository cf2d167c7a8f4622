// The database baselines: a bare Fastify server, in its own process, with none of Gatehouse's
// own per-request work (authentication, authorization, activity, logging, metrics, schemas).
// GET /baseline answers GET app's one SELECT through node-postgres: the same SQL text as
// Gatehouse's (the app's row, its user count and its owner ids, from apps/store.ts), the same
// driver, a pool of the same size, a prepared statement as Gatehouse's GET app uses, the row
// answered as the driver gives it: what GET app could be with nothing of Gatehouse's own in the
// way, its query included (pgbench ran that query 8,600 times a second here, `select *` of the row
// 12,600: the database's share of the work is not Gatehouse's own). GET
// /baseline-list (given an entitlement) answers the first page of 100 of its holders through
// Gatehouse's own store function, the one SELECT of ListUsers: that route's ceiling.
import { drizzle } from 'drizzle-orm/node-postgres';
import Fastify from 'fastify';
import pg from 'pg';
import type { Db } from '../src/db/index.ts';
import { toPage } from '../src/lib/paging.ts';
import { selectAppWithOwners } from '../src/modules/apps/store.ts';
import { listHolders } from '../src/modules/grants/store.ts';
import { toEntitlementUserView } from '../src/modules/grants/views.ts';

const [url, tenantId, appId, entitlementId] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, max: Number(process.env.POOL_SIZE ?? 10) });
const db = drizzle(pool) as unknown as Db;
const appText = selectAppWithOwners(db).toSQL().sql;
const app = Fastify({ logger: false });
app.get('/baseline', async (_req, reply) => {
  const res = await pool.query({ name: 'baseline_app', text: appText, values: [tenantId, appId] });
  if (res.rows.length !== 1) return reply.code(404).send({ message: 'app not found' });
  return { app: res.rows[0] };
});
if (entitlementId) {
  app.get('/baseline-list', async (_req, reply) => {
    const read = await listHolders(db, tenantId, appId, entitlementId, { size: 100 });
    if (!read) return reply.code(404).send({ message: 'entitlement not found' });
    const rows = read.rows;
    // The page and its views as ListUsers makes them; only Gatehouse's own per-request work is left out.
    const page = toPage(rows, 100, (r) => r.grant.id);
    return { list: page.list.map((r) => toEntitlementUserView(r.grant, r.account)), nextPageToken: page.nextPageToken };
  });
}
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => pool.end().then(() => process.exit(0))));
