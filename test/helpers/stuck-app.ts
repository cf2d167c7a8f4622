// An app of its own on a test's core, listening on a real socket, with a test-only route
// (GET /test/stuck) standing in for any handler that does not finish until released.
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.ts';
import type { Core } from '../../src/core.ts';
import type { Api } from '../../src/http/types.ts';

export type StuckApp = { app: Api; url: string; release: () => void };

export async function stuckApp(core: Core): Promise<StuckApp> {
  const app = await buildApp(core);
  let release!: () => void;
  const stuck = new Promise<void>((r) => {
    release = r;
  });
  app.get('/test/stuck', async () => {
    await stuck;
    return { late: true };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, release };
}
