// CLI commands in the system log (as the CLI's actor, with gatehouse.* operation ids) and
// `gatehouse audit export`: JSON lines to stdout or a file, gzip for .gz, bad times refused.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectExit, type InProcessCli, inProcessCli } from './run.ts';

describe('gatehouse audit export (in-process, pglite)', () => {
  let cli: InProcessCli;
  let dir: string;
  const start = new Date(Date.now() - 1000).toISOString();
  const lines = (text: string) =>
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));

  beforeAll(async () => {
    cli = await inProcessCli('pglite');
    dir = mkdtempSync(path.join(tmpdir(), 'gatehouse-audit-'));
  });
  afterAll(async () => {
    await cli?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs CLI changes as the CLI, and exports them as OCSF JSON lines, to stdout and to a gzip file', async () => {
    const user = expectExit(await cli.run(['users', 'create', '--email', 'ada@example.com', '--display-name', 'Ada']), 0).json();
    const client = expectExit(await cli.run(['clients', 'create', '--name', 'ci']), 0).json();
    expectExit(await cli.run(['users', 'disable', 'ada@example.com']), 0);
    // Reads write nothing.
    expectExit(await cli.run(['users', 'list']), 0);
    const out = expectExit(await cli.run(['audit', 'export', '--since', start]), 0).stdout;
    const events = lines(out);
    expect(events.map((e) => [e.api.operation, e.activity_name, e.resources])).toEqual([
      ['gatehouse.Users.Create', 'Create', [{ type: 'user', uid: user.id }]],
      ['gatehouse.Clients.Create', 'Create', [{ type: 'client', uid: client.clientId }]],
      ['gatehouse.Users.Disable', 'Update', [{ type: 'user', uid: user.id, data: { changes: { status: 'DISABLED' } } }]],
    ]);
    for (const e of events) {
      expect(e).toMatchObject({ class_uid: 6003, actor: { app_name: 'gatehouse CLI', user: { name: userInfo().username } } });
      expect(e.src_endpoint.hostname).toEqual(expect.any(String));
    }
    const file = path.join(dir, 'log.jsonl.gz');
    const r = expectExit(await cli.run(['audit', 'export', '--since', start, '--out', file]), 0);
    expect(r.stderr).toBe(`3 events written to ${file}\n`);
    expect(gunzipSync(readFileSync(file)).toString('utf8')).toBe(out);
    // --until is exclusive: before the first event, nothing.
    const none = expectExit(await cli.run(['audit', 'export', '--since', start, '--until', events[0].time_dt]), 0);
    expect(none.stdout).toBe('');
  });

  it('logs a new tenant in its own log, and refuses a bad time naming the option', async () => {
    expectExit(await cli.run(['tenants', 'create', 'audit.example.com']), 0);
    const mine = lines(
      expectExit(await cli.run(['audit', 'export', '--since', start, '--tenant', 'audit.example.com']), 0).stdout,
    );
    expect(mine.map((e) => e.api.operation)).toEqual(['gatehouse.Tenants.Create']);
    const bad = expectExit(await cli.run(['audit', 'export', '--since', 'yesterday']), 2);
    expect(bad.stderr).toContain('--since');
    expectExit(await cli.run(['audit', 'export']), 1);
  });
});
