// Logs: pretty lines on a terminal, JSON otherwise, LOG_FORMAT forces either; the
// start-up message says how many migrations were applied.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { type Core, createCore } from '../../src/core.ts';
import { LineBatch, listeningMessage, loggerOptions, prettyLogs } from '../../src/log.ts';
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
    const json = await loggerOptions(loadConfig({ LOG_LEVEL: 'warn' }), { isTTY: false });
    expect(json.level).toBe('warn');
    expect(json.stream).toBeInstanceOf(LineBatch);
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

  it('JSON lines logged in one turn of the event loop are written together at its end', async () => {
    const file = path.join(os.tmpdir(), `gh-log-json-${process.pid}-${Date.now()}.log`);
    const fd = openSync(file, 'w');
    try {
      const app = await buildApp(core, { logger: await loggerOptions(loadConfig({ LOG_FORMAT: 'json' }), { isTTY: false, fd }) });
      app.log.info({ n: 1 }, 'first');
      app.log.info({ n: 2 }, 'second');
      app.log.debug('below the level');
      // Not yet: the turn is not over.
      expect(readFileSync(file, 'utf8')).toBe('');
      await new Promise((resolve) => setImmediate(resolve));
      const lines = readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => [l.level, l.n, l.msg])).toEqual([
        [30, 1, 'first'],
        [30, 2, 'second'],
      ]);
      // A request's line comes in a later turn, on its own; it is what pino itself writes for
      // req.log.info({ method, route, status, latencyMs }, 'request'), key for key.
      expect((await app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'req-1' } })).statusCode).toBe(200);
      await new Promise((resolve) => setImmediate(resolve));
      const line = readFileSync(file, 'utf8').trimEnd().split('\n').at(-1) as string;
      app.log.child({ reqId: 'req-1' }).info({ method: 'GET', route: '/healthz', status: 200, latencyMs: 0.5 }, 'request');
      await new Promise((resolve) => setImmediate(resolve));
      const pinos = readFileSync(file, 'utf8').trimEnd().split('\n').at(-1) as string;
      const shape = (text: string) => ({ ...JSON.parse(text), time: 0, latencyMs: 0 });
      expect(Object.keys(JSON.parse(line))).toEqual(Object.keys(JSON.parse(pinos)));
      expect(shape(line)).toEqual(shape(pinos));
      expect(JSON.parse(line)).toMatchObject({ level: 30, reqId: 'req-1', msg: 'request', route: '/healthz', status: 200 });
      expect(Math.abs(JSON.parse(line).time - Date.now())).toBeLessThan(60_000);
      await app.close();
    } finally {
      closeSync(fd);
      rmSync(file, { force: true });
    }
  });

  it('a batch still pending when the process exits is written', async () => {
    const file = path.join(os.tmpdir(), `gh-log-exit-${process.pid}-${Date.now()}.log`);
    // A process that logs and exits in the same turn: the exit writes the batch.
    const script = `
      import { openSync } from 'node:fs';
      import { LineBatch, loggerOptions } from ${JSON.stringify(new URL('../../src/log.ts', import.meta.url).pathname)};
      import { loadConfig } from ${JSON.stringify(new URL('../../src/config.ts', import.meta.url).pathname)};
      const { stream } = await loggerOptions(loadConfig({ LOG_FORMAT: 'json' }), { isTTY: false, fd: openSync(${JSON.stringify(file)}, 'w') });
      if (!(stream instanceof LineBatch)) throw new Error('not batched');
      stream.write('{"msg":"one"}\\n');
      stream.write('{"msg":"two"}\\n');
      process.exit(0);
    `;
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe('{"msg":"one"}\n{"msg":"two"}\n');
    } finally {
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
