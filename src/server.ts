// Runs the HTTP server: start, background sweep, graceful shutdown on SIGTERM.
import { readFileSync } from 'node:fs';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { createCore } from './core.ts';

export async function serve(config: Config): Promise<void> {
  const started = Date.now();
  const core = await createCore(config);
  const https =
    config.tlsCert && config.tlsKey
      ? { cert: readFileSync(config.tlsCert, 'utf8'), key: readFileSync(config.tlsKey, 'utf8') }
      : undefined;
  const app = await buildApp(core, { logger: { level: config.logLevel }, https });

  let sweeping = false;
  const sweepTimer = setInterval(async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      for (const err of await core.sweep()) app.log.warn({ err }, 'background sweep task failed');
    } finally {
      sweeping = false;
    }
  }, config.sweepIntervalMs);
  sweepTimer.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    clearInterval(sweepTimer);
    try {
      await app.close();
      await core.close();
      app.log.info('stopped');
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  const address = await app.listen({ port: config.port, host: config.host });
  app.log.info(
    { address, database: core.database.location, tenant: config.tenantDomain, startupMs: Date.now() - started },
    `Gatehouse listening on ${address} using ${core.database.location}`,
  );
}
