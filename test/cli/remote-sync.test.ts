// `gatehouse sync --server ...`: the real binary uploads a c1z file to a real listening server with a
// connector credential, as a connector would; it opens no database of its own.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, startServer, type TestServer } from '../helpers/server.ts';
import { tinySync } from '../modules/connectors/fixtures.ts';
import { makeApp } from '../modules/grants/fixtures.ts';
import { expectCode, gatehouse, tempDir } from './proc.ts';

describe.each(backends)('gatehouse sync --server on %s', (backend) => {
  let s: TestServer;
  let dir: string;
  beforeAll(async () => {
    s = await startServer(backend, {}, { listen: true });
    dir = tempDir('gh-remote-sync-');
  });
  afterAll(async () => s?.close());

  it('uploads with a connector credential (secret from GATEHOUSE_CLIENT_SECRET); refusals exit 2 naming why', async () => {
    const app = await makeApp(s.admin);
    const other = await makeApp(s.admin);
    const conn = (await s.admin.post(`/api/v1/apps/${app.id}/connectors/create`, {})).body.connectorView.connector.id;
    const otherConn = (await s.admin.post(`/api/v1/apps/${other.id}/connectors/create`, {})).body.connectorView.connector.id;
    const cred = (await s.admin.post(`/api/v1/apps/${app.id}/connectors/${conn}/credentials`, {})).body;
    const file = path.join(dir, 'sync.c1z');
    writeFileSync(file, await tinySync({ accounts: ['u1', 'u2'] }));
    // A data dir nobody uses: the command must not need it.
    const env = { GATEHOUSE_DATA_DIR: path.join(dir, 'unused'), GATEHOUSE_CLIENT_SECRET: cred.clientSecret };
    const args = (appId: string, connectorId: string) => [
      'sync',
      '--server',
      s.url,
      '--app',
      appId,
      '--connector',
      connectorId,
      '--client-id',
      cred.credential.clientId,
      file,
    ];

    const ok = expectCode(await gatehouse(args(app.id, conn), env), 0).json();
    expect(ok).toMatchObject({ accounts: { total: 2, added: 2 }, grants: { total: 2, added: 2 } });
    expect(ok.connectorView.connector.status.status).toBe('SYNC_STATUS_DONE');

    const denied = expectCode(await gatehouse(args(other.id, otherConn), env), 2);
    expect(denied.stderr).toContain('HTTP 403');
    const badSecret = expectCode(await gatehouse(args(app.id, conn), { ...env, GATEHOUSE_CLIENT_SECRET: 'nope' }), 2);
    expect(badSecret.stderr).toContain('refused the client credentials');
    const noConnector = expectCode(
      await gatehouse(
        args(app.id, conn).filter((a) => a !== '--connector' && a !== conn),
        env,
      ),
      2,
    );
    expect(noConnector.stderr).toContain('--connector');
    expect((await s.admin.get(`/api/v1/apps/${other.id}/app_users`)).body.list).toEqual([]);
  }, 180_000);
});
