// Prometheus metrics: requests by route template and status, latency
// histograms, database pool use, event-loop lag and Node's process metrics.
// Exposed unauthenticated on GATEHOUSE_METRICS_PORT (a port to keep private),
// and on the main port only with GATEHOUSE_METRICS_PUBLIC=true.
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Core } from '../core.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's metrics registry (one per app, so tests can run many apps in one process). */
    metrics: Registry;
  }
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function registerMetrics(app: FastifyInstance, core: Core): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register, eventLoopMonitoringPrecision: 10 });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests answered, by route template and status',
    labelNames,
    registers: [register],
  });
  const latency = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'Time from request received to response sent, by route template and status',
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers: [register],
  });
  const inFlight = new Gauge({
    name: 'gatehouse_http_requests_in_flight',
    help: 'HTTP requests being handled',
    registers: [register],
  });
  new Gauge({
    name: 'gatehouse_db_pool_connections',
    help: 'Database pool connections by state (total open, idle, queries waiting for one)',
    labelNames: ['state'],
    registers: [register],
    collect() {
      const s = core.database.poolStats();
      this.set({ state: 'total' }, s.total);
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'in_use' }, s.total - s.idle);
      this.set({ state: 'waiting' }, s.waiting);
    },
  });
  new Gauge({
    name: 'gatehouse_db_pool_max',
    help: 'Largest number of database connections this server opens',
    registers: [register],
    collect() {
      this.set(core.database.kind === 'pglite' ? 1 : core.config.poolSize);
    },
  });

  app.decorate('metrics', register);
  app.addHook('onRequest', async (_req, reply) => {
    inFlight.inc();
    // 'close' also fires when the client goes away before the answer.
    reply.raw.once('close', () => inFlight.dec());
  });
  app.addHook('onResponse', async (req, reply) => {
    // The route template, never the raw URL: ids would make the label set unbounded.
    const labels = { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    requests.inc(labels);
    latency.observe(labels, reply.elapsedTime / 1000);
  });

  if (core.config.metricsPublic) {
    app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
      reply.header('content-type', register.contentType);
      return register.metrics();
    });
  }
  return register;
}

/** A bare HTTP server answering GET /metrics only; for a port that is not exposed publicly. */
export async function listenMetrics(register: Registry, port: number, host: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    register.metrics().then(
      (text) => res.writeHead(200, { 'content-type': register.contentType }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
