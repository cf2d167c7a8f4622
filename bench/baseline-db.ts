// The database baseline: a bare Fastify server, in its own process, answering each request
// with one primary-key SELECT of the bench app's row through node-postgres (the driver
// Gatehouse uses, a pool of the same size, a prepared statement as Gatehouse's GET app
// uses). What GET app could be with nothing of Gatehouse's own in the way.
import Fastify from 'fastify';
import pg from 'pg';

const [url, tenantId, appId] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, max: Number(process.env.POOL_SIZE ?? 10) });
const app = Fastify({ logger: false });
app.get('/baseline', async (_req, reply) => {
  const res = await pool.query({
    name: 'baseline_app',
    text: 'select * from apps where tenant_id = $1 and id = $2',
    values: [tenantId, appId],
  });
  if (res.rows.length !== 1) return reply.code(404).send({ message: 'app not found' });
  return { app: res.rows[0] };
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => pool.end().then(() => process.exit(0))));
