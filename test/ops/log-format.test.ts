// Logs: pretty lines on a terminal, JSON otherwise, LOG_FORMAT forces either; the
// start-up message says how many migrations were applied.
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { type Core, createCore } from '../../src/core.ts';
import { listeningMessage, loggerOptions, prettyLogs } from '../../src/log.ts';
import { TEST_PGLITE_ENV } from '../helpers/infra.ts';

const MIGRATIONS = readdirSync(new URL('../../drizzle', import.meta.url)).filter((f) => f.endsWith('.sql')).length;

describe('log format', () => {
  let core: Core;
  beforeAll(async () => {
    core = await createCore(loadConfig({ ...TEST_PGLITE_ENV, GATEHOUSE_TENANT_DOMAIN: 'localhost' }), { memory: true });
  });
  afterAll(async () => core?.close());

  it('auto: pretty on a terminal, JSON otherwise; LOG_FORMAT forces either; a bad value is refused', async () => {
    const auto = loadConfig({});
    expect(auto.logFormat).toBe('auto');
    expect(prettyLogs(auto, { isTTY: true })).toBe(true);
    expect(prettyLogs(auto, { isTTY: false })).toBe(false);
    expect(prettyLogs(loadConfig({ LOG_FORMAT: 'json' }), { isTTY: true })).toBe(false);
    expect(prettyLogs(loadConfig({ LOG_FORMAT: 'PRETTY' }), { isTTY: false })).toBe(true);
    expect(await loggerOptions(loadConfig({ LOG_LEVEL: 'warn' }), { isTTY: false })).toEqual({ level: 'warn' });
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow('LOG_FORMAT must be json, pretty or auto, got "xml"');
  });

  it('pretty lines are what the server writes, one per event, with their fields', async () => {
    const file = path.join(os.tmpdir(), `gh-log-${process.pid}-${Date.now()}.log`);
    const fd = openSync(file, 'w');
    try {
      const app = await buildApp(core, {
        logger: await loggerOptions(loadConfig({ LOG_FORMAT: 'pretty' }), { isTTY: false, fd }),
      });
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      app.log.info({ url: 'http://localhost:1' }, listeningMessage('http://localhost:1', core));
      await app.close();
      const text = readFileSync(file, 'utf8');
      // No JSON, no colour codes in a file; a time, the level, the message, then the fields indented.
      expect(text).not.toContain('{"level"');
      expect(text).not.toContain('\u001b[');
      expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: request\n {4}reqId: "/m);
      expect(text).toContain('    route: "/healthz"\n    status: 200\n');
      expect(text).toMatch(
        new RegExp(
          `\\] INFO: Gatehouse listening on http://localhost:1 using pglite \\(in memory\\) \\(applied ${MIGRATIONS} migrations, ${MIGRATIONS} in all\\)\\n`,
        ),
      );
    } finally {
      closeSync(fd);
      rmSync(file, { force: true });
    }
  });

  it('the migration count: all on a new database, none when they are there already', async () => {
    expect(MIGRATIONS).toBeGreaterThan(0);
    expect(core.migrations).toEqual({ applied: MIGRATIONS, total: MIGRATIONS });
    expect(await core.database.migrate()).toEqual({ applied: 0, total: MIGRATIONS });
    expect(listeningMessage('http://x', { database: core.database, migrations: { applied: 1, total: 7 } })).toBe(
      'Gatehouse listening on http://x using pglite (in memory) (applied 1 migration, 7 in all)',
    );
  });
});
