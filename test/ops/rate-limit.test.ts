import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { backends, type Res, startServer, type TestServer } from '../helpers/server.ts';

const form = (fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields),
});

function expect429(res: Res, what: string): void {
  expect(res.status).toBe(429);
  expect(res.body).toEqual({ code: 8, message: expect.stringContaining(what), details: [] });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('token rate limit settings', () => {
  it('defaults leave room for test suites and SDKs, and 0 turns a limit off', () => {
    const c = loadConfig({});
    expect(c.tokenRatePerMinute).toBe(300);
    expect(c.tokenRatePerIpPerMinute).toBe(1200);
    const off = loadConfig({ GATEHOUSE_TOKEN_RATE_PER_MINUTE: '0', GATEHOUSE_TOKEN_RATE_PER_IP_PER_MINUTE: '0' });
    expect([off.tokenRatePerMinute, off.tokenRatePerIpPerMinute]).toEqual([0, 0]);
    expect(() => loadConfig({ GATEHOUSE_TOKEN_RATE_PER_MINUTE: 'lots' })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEHOUSE_TOKEN_RATE_PER_IP_PER_MINUTE: '-1' })).toThrow(ConfigError);
  });
});

describe.each(backends)('token rate limits on %s', (backend) => {
  describe('per client', () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startServer(backend, { GATEHOUSE_TOKEN_RATE_PER_MINUTE: '3', GATEHOUSE_TOKEN_RATE_PER_IP_PER_MINUTE: '0' });
    });
    afterAll(async () => s?.close());

    it('answers 429 with Retry-After and code 8 after the limit, for that client only', async () => {
      const tenant = s.admin.tenant;
      const a = await s.core.services.clients.create(tenant, 'a', 'admin');
      const b = await s.core.services.clients.create(tenant, 'b', 'admin');
      const ask = (c: { clientId: string; clientSecret: string }) =>
        s.fetch(
          '/auth/v1/token',
          form({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }),
        );
      for (let i = 0; i < 3; i++) expect((await ask(a)).status).toBe(200);
      expect429(await ask(a), 'client');
      // Wrong secrets count too: guessing is what the limit is for.
      expect429(await ask({ clientId: a.clientId, clientSecret: 'wrong' }), 'client');
      expect((await ask(b)).status).toBe(200);
      // API calls are not limited by it.
      expect((await s.admin.get('/api/v1/apps')).status).toBe(200);
    });

    it('does not count requests without a client_id per client (the IP limit covers those)', async () => {
      for (let i = 0; i < 5; i++) {
        const res = await s.fetch('/auth/v1/token', form({ grant_type: 'client_credentials' }));
        expect(res.status).toBe(401);
      }
    });
  });

  describe('per IP address', () => {
    let s: TestServer;
    beforeAll(async () => {
      // The test helper's own admin token is the first request from this address.
      s = await startServer(backend, {
        GATEHOUSE_TOKEN_RATE_PER_MINUTE: '0',
        GATEHOUSE_TOKEN_RATE_PER_IP_PER_MINUTE: '4',
        GATEHOUSE_TRUST_PROXY: '127.0.0.1',
      });
    });
    afterAll(async () => s?.close());

    it('limits every token request from one address, whatever the client', async () => {
      const tenant = s.admin.tenant;
      const c = await s.core.services.clients.create(tenant, 'c', 'admin');
      const xff = { 'x-forwarded-for': '203.0.113.7' };
      const ask = (headers: Record<string, string>) =>
        s.fetch(
          '/auth/v1/token',
          form({ grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret }, headers),
        );
      expect((await ask(xff)).status).toBe(200);
      expect((await s.fetch('/auth/v1/token', form({}, xff))).status).toBe(401);
      expect((await ask(xff)).status).toBe(200);
      expect((await ask(xff)).status).toBe(200);
      expect429(await ask(xff), 'address');
      // Behind a trusted proxy each forwarded address has its own budget.
      expect((await ask({ 'x-forwarded-for': '203.0.113.8' })).status).toBe(200);
    });

    it('ignores X-Forwarded-For from proxies it does not trust', async () => {
      const untrusting = await startServer(backend, { GATEHOUSE_TOKEN_RATE_PER_IP_PER_MINUTE: '2' });
      try {
        const tenant = untrusting.admin.tenant;
        const c = await untrusting.core.services.clients.create(tenant, 'd', 'admin');
        const ask = (ip: string) =>
          untrusting.fetch(
            '/auth/v1/token',
            form(
              { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret },
              { 'x-forwarded-for': ip },
            ),
          );
        // The helper's admin token used the first of the two.
        expect((await ask('198.51.100.1')).status).toBe(200);
        expect429(await ask('198.51.100.2'), 'address');
      } finally {
        await untrusting.close();
      }
    });
  });
});
