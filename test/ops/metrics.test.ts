import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { newId } from '../../src/db/ids.ts';
import { listenMetrics } from '../../src/http/metrics.ts';
import { backends, startServer, type TestServer } from '../helpers/server.ts';
import { stuckApp } from '../helpers/stuck-app.ts';

type Sample = { name: string; labels: Record<string, string>; value: number };

/** Parses Prometheus text format samples (comments skipped). */
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

const find = (all: Sample[], name: string, labels: Record<string, string> = {}) =>
  all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('metrics settings', () => {
  it('are off by default and refuse nonsense', () => {
    const c = loadConfig({});
    expect(c.metricsPort).toBe(0);
    expect(c.metricsPublic).toBe(false);
    expect(loadConfig({ GATEHOUSE_METRICS_PUBLIC: 'true', GATEHOUSE_METRICS_PORT: '9464' })).toMatchObject({
      metricsPublic: true,
      metricsPort: 9464,
    });
    expect(() => loadConfig({ GATEHOUSE_METRICS_PUBLIC: 'maybe' })).toThrow(ConfigError);
  });
});

describe.each(backends)('GET /metrics on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend, { GATEHOUSE_METRICS_PUBLIC: 'true' });
  });
  afterAll(async () => s?.close());

  it('counts requests and latency by route template and status, without ids', async () => {
    const app = (await s.admin.post('/api/v1/apps', { displayName: 'Metered' })).body.app;
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).status).toBe(200);
    expect((await s.admin.get(`/api/v1/apps/${app.id}`)).status).toBe(200);
    expect((await s.admin.get(`/api/v1/apps/${newId()}`)).status).toBe(404);
    expect((await s.fetch('/no/such/path')).status).toBe(404);

    // Unauthenticated when GATEHOUSE_METRICS_PUBLIC is set.
    const res = await fetch(`${s.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).not.toContain(app.id);
    const all = samples(text);
    const route = '/api/v1/apps/:id';
    expect(find(all, 'gatehouse_http_requests_total', { method: 'GET', route, status: '200' })[0]?.value).toBe(2);
    expect(find(all, 'gatehouse_http_requests_total', { method: 'GET', route, status: '404' })[0]?.value).toBe(1);
    expect(find(all, 'gatehouse_http_requests_total', { route: '/api/v1/apps', status: '200' })[0]?.value).toBe(1);
    expect(find(all, 'gatehouse_http_requests_total', { route: 'unmatched', status: '404' })[0]?.value).toBe(1);
    expect(find(all, 'gatehouse_http_requests_total', { route: '/auth/v1/token', status: '200' })[0]?.value).toBe(1);
    const buckets = find(all, 'gatehouse_http_request_duration_seconds_bucket', { method: 'GET', route, status: '200' });
    expect(buckets.find((b) => b.labels.le === '+Inf')?.value).toBe(2);
    expect(buckets.length).toBeGreaterThan(5);
    // Cumulative buckets never decrease.
    for (let i = 1; i < buckets.length; i++) expect(buckets[i].value).toBeGreaterThanOrEqual(buckets[i - 1].value);
    expect(find(all, 'gatehouse_http_request_duration_seconds_count', { route, status: '200' })[0]?.value).toBe(2);
    expect(find(all, 'gatehouse_http_request_duration_seconds_sum', { route, status: '200' })[0]?.value).toBeGreaterThan(0);
  });

  it('reports database pool use, event-loop lag and process metrics', async () => {
    const all = samples(await (await fetch(`${s.url}/metrics`)).text());
    const pool = (state: string) => find(all, 'gatehouse_db_pool_connections', { state })[0]?.value;
    expect(pool('total')).toBeGreaterThanOrEqual(1);
    expect(pool('idle')! + pool('in_use')!).toBe(pool('total'));
    expect(pool('waiting')).toBe(0);
    expect(find(all, 'gatehouse_db_pool_max')[0]?.value).toBe(backend === 'pglite' ? 1 : s.core.config.poolSize);
    expect(find(all, 'gatehouse_http_requests_in_flight')[0]?.value).toBe(1); // this scrape
    for (const name of ['nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_p99_seconds', 'process_resident_memory_bytes']) {
      expect(find(all, name).length, name).toBe(1);
    }
  });

  it('counts a request in flight until it is answered or its client goes away', async () => {
    const { app, url: base, release } = await stuckApp(s.core);
    const inFlight = async () =>
      find(samples(await (await fetch(`${base}/metrics`)).text()), 'gatehouse_http_requests_in_flight')[0]?.value;
    const until = async (want: number) => {
      for (let i = 0; i < 100 && (await inFlight()) !== want; i++) await new Promise((r) => setTimeout(r, 20));
      return inFlight();
    };
    try {
      const gone = new AbortController();
      const abandoned = fetch(`${base}/test/stuck`, { signal: gone.signal }).catch((e: Error) => e.name);
      const waited = fetch(`${base}/test/stuck`).then((r) => r.json());
      expect(await until(3)).toBe(3); // both, and the scrape itself
      gone.abort();
      expect(await abandoned).toBe('AbortError');
      expect(await until(2)).toBe(2);
      release();
      expect(await waited).toEqual({ late: true });
      expect(await until(1)).toBe(1);
    } finally {
      release();
      await app.close();
    }
  });

  it('serves the same registry on a separate metrics port, and nothing else there', async () => {
    const server = await listenMetrics(s.app.metrics, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(find(samples(await res.text()), 'gatehouse_http_requests_total').length).toBeGreaterThan(0);
      expect((await fetch(`${base}/`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      server.close();
    }
  });

  it('is not on the main port unless GATEHOUSE_METRICS_PUBLIC is set', async () => {
    const closed = await startServer(backend);
    try {
      const res = await closed.fetch('/metrics');
      expect(res.status).toBe(404);
      expect(res.body.code).toBe(5);
      const authed = await fetch(`${closed.url}/metrics`, { headers: { authorization: `Bearer ${closed.admin.token}` } });
      expect(authed.status).toBe(404);
    } finally {
      await closed.close();
    }
  });
});
