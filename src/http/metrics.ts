// Prometheus metrics: requests by route template and status, latency
// histograms, database pool use, event-loop lag and Node's process metrics.
// Exposed unauthenticated on GATEHOUSE_METRICS_PORT (a port to keep private),
// and on the main port only with GATEHOUSE_METRICS_PUBLIC=true.
import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, type Metric, Registry } from 'prom-client';
import type { Core } from '../core.ts';
import type { RequestsInFlight } from './requests.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's metrics registry (one per app, so tests can run many apps in one process). */
    metrics: Registry;
  }
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One route template's answers with one method and status: their count and latency histogram. */
type Series = { labels: Record<string, string>; count: number; sum: number; buckets: number[] };

/**
 * The HTTP request counter and latency histogram, kept per series here and turned into
 * Prometheus samples only when scraped: prom-client's own Counter and Histogram hash the label
 * object on every increment, a cost every request paid.
 */
class HttpSeries {
  private readonly series = new Map<string, Series>();

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let s = this.series.get(key);
    if (!s) {
      s = { labels: { method, route, status: String(status) }, count: 0, sum: 0, buckets: LATENCY_BUCKETS.map(() => 0) };
      this.series.set(key, s);
    }
    s.count++;
    s.sum += seconds;
    const i = LATENCY_BUCKETS.findIndex((le) => seconds <= le);
    if (i >= 0) s.buckets[i]++;
  }

  /** The two metrics, as prom-client's registry reads any metric (name, help, type, get()). */
  metrics() {
    const all = () => [...this.series.values()];
    const requests = {
      name: 'gatehouse_http_requests_total',
      help: 'HTTP requests answered, by route template and status',
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({ ...requests, values: all().map((s) => ({ labels: s.labels, value: s.count })) }),
    };
    const latency = {
      name: 'gatehouse_http_request_duration_seconds',
      help: 'Time from request received to response sent, by route template and status',
      type: 'histogram',
      aggregator: 'sum',
      get: async () => ({
        ...latency,
        values: all().flatMap((s) => {
          let cumulative = 0;
          const buckets = LATENCY_BUCKETS.map((le, i) => {
            cumulative += s.buckets[i];
            return { labels: { ...s.labels, le }, value: cumulative, metricName: `${latency.name}_bucket` };
          });
          return [
            ...buckets,
            { labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: `${latency.name}_bucket` },
            { labels: s.labels, value: s.sum, metricName: `${latency.name}_sum` },
            { labels: s.labels, value: s.count, metricName: `${latency.name}_count` },
          ];
        }),
      }),
    };
    return [requests, latency];
  }
}

/** The app's metrics registry; `requests` tells what is in flight and reports each answer. */
export function registerMetrics(app: FastifyInstance, core: Core, requests: RequestsInFlight): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register, eventLoopMonitoringPrecision: 10 });
  const series = new HttpSeries();
  for (const m of series.metrics()) register.registerMetric(m as unknown as Metric);
  // The route template, never the raw URL: ids would make the label set unbounded.
  requests.onAnswered((req, reply) =>
    series.observe(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000),
  );
  new Gauge({
    name: 'gatehouse_http_requests_in_flight',
    help: 'HTTP requests being handled',
    registers: [register],
    collect() {
      this.set(requests.count());
    },
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
