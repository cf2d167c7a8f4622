// Runs the HTTP server: start, background sweep, graceful shutdown on SIGTERM.
// On PGlite the server owns the data dir: it holds its lock (a second process
// would corrupt the database) and runs the CLI commands sent to its admin socket.
import type { Server as HttpServer } from 'node:http';
import { buildApp } from './app.ts';
import { type AdminServer, adminSocketPath, type CliIo, listenAdmin, type RunRequest } from './cli/admin.ts';
import { runInCwd } from './cli/context.ts';
import { acquireLock, type Lock } from './cli/lock.ts';
import { runProgram } from './cli/program.ts';
import type { Config } from './config.ts';
import { type Core, createCore } from './core.ts';
import { listenMetrics } from './http/metrics.ts';
import type { Api } from './http/types.ts';
import { listeningMessage, loggerOptions } from './log.ts';
import { goToolsWarning, publicUrl } from './modules/clients/public-address.ts';
import { type ServerTls, serverTls } from './tls/server-tls.ts';

export type Running = { core: Core; app: Api };

/** A CLI command forwarded by `gatehouse <command>`, run against this server's core (exported for tests). */
export async function runForwarded({ core, app }: Running, req: RunRequest, io: CliIo): Promise<number> {
  const t0 = performance.now();
  const { code, command, error } = await runInCwd(req.cwd, () =>
    runProgram(req.argv, (fn) => fn(core), { ...io, isTTY: req.tty }),
  );
  // The command name only: arguments and output may carry secrets.
  const entry = { command: command || 'none', exitCode: code, latencyMs: Math.round((performance.now() - t0) * 100) / 100 };
  if (error) app.log.error({ ...entry, err: error }, 'admin command failed');
  else app.log.info(entry, 'admin command');
  return code;
}

/** Starts the server; on PGlite with `lock` if the caller holds the data dir already (it is released at stop). */
export async function serve(config: Config, heldLock?: Lock): Promise<void> {
  const started = Date.now();
  let lock = heldLock;
  let admin: AdminServer | undefined;
  let core: Core | undefined;
  let app: Api | undefined;
  let tls: ServerTls = {};
  // Commands may arrive while the database is still opening: they wait for it.
  let setReady!: (r: Running) => void;
  let setFailed!: (err: unknown) => void;
  const ready = new Promise<Running>((resolve, reject) => {
    setReady = resolve;
    setFailed = reject;
  });
  ready.catch(() => {});
  try {
    if (!config.databaseUrl) {
      lock ??= await acquireLock(config.dataDir, { kind: 'serve', command: 'serve', socket: adminSocketPath(config.dataDir) });
      const socket = lock.holder.socket ?? adminSocketPath(config.dataDir);
      admin = await listenAdmin(socket, async (req, io) => runForwarded(await ready, req, io));
    }
    core = await createCore(config);
    tls = await serverTls(config);
    app = await buildApp(core, { logger: await loggerOptions(config), https: tls.https });
    setReady({ core, app });
  } catch (err) {
    setFailed(err);
    await admin?.close();
    await core?.close();
    lock?.release();
    throw err;
  }
  const running: Running = { core, app };

  let sweeping = false;
  const sweepTimer = setInterval(async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      for (const err of await running.core.sweep()) running.app.log.warn({ err }, 'background sweep task failed');
    } finally {
      sweeping = false;
    }
  }, config.sweepIntervalMs);
  sweepTimer.unref();

  let metricsServer: HttpServer | undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const { app, core } = running;
    app.log.info({ signal }, 'shutting down: finishing in-flight requests');
    clearInterval(sweepTimer);
    metricsServer?.closeAllConnections();
    metricsServer?.close();
    try {
      // Both stop accepting at once, then wait for what is running.
      await Promise.all([app.close(), admin?.close()]);
      await core.close();
      lock?.release();
      app.log.info({ database: core.database.location }, 'database closed; stopped');
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));

  let url: string;
  try {
    const listened = new URL(await app.listen({ port: config.port, host: config.host }));
    // The URL clients should use: the one client ids name (PORT=0 only known now).
    const port = config.port === 0 && !config.publicPortSet ? Number(listened.port) : config.publicPort;
    url = publicUrl({ ...config, publicPort: port }, config.tenantDomain);
    // Unauthenticated: keep this port private (only the Prometheus scraper reaches it).
    if (config.metricsPort) metricsServer = await listenMetrics(app.metrics, config.metricsPort, config.host);
    // Webhook deliveries; stopped (in-flight attempts recorded) by core.close().
    core.startWorkers((err, msg) => running.app.log.warn({ err }, msg));
  } catch (err) {
    await admin?.close();
    await core.close();
    lock?.release();
    throw err;
  }
  app.log.info(
    {
      url,
      addresses: app.addresses().map((a) => (typeof a === 'string' ? a : `${a.address}:${a.port}`)),
      database: core.database.location,
      adminSocket: admin?.path,
      metricsPort: config.metricsPort || undefined,
      tenant: config.tenantDomain,
      sslCertFile: tls.caFile,
      migrationsApplied: core.migrations?.applied,
      startupMs: Date.now() - started,
    },
    listeningMessage(url, core),
  );
  await logClientHints(running, tls);
}

/** What Go-based C1 tools need that this configuration lacks, and how to trust the local CA. */
async function logClientHints({ core, app }: Running, tls: ServerTls): Promise<void> {
  const { config } = core;
  if (tls.caFile) {
    app.log.info(
      { sslCertFile: tls.caFile, reissued: tls.reissued },
      `HTTPS with the local CA (GATEHOUSE_TLS=auto); Go tools trust it with SSL_CERT_FILE=${tls.caFile}`,
    );
  } else if (!tls.https && config.publicPort !== 443) {
    // (Public port 443 without TLS here: a balancer terminates it.)
    app.log.info("C1's Go-based tools need HTTPS: run `gatehouse tls init` and start with GATEHOUSE_TLS=auto");
  }
  const tenants = await core.services.tenants.list().catch(() => []);
  const unreachable = tenants.filter((t) => goToolsWarning(config, t.domain));
  // One warning about GATEHOUSE_PUBLIC_HOST covers every tenant; a few per-tenant ones, then a count.
  for (const t of unreachable.slice(0, config.publicHost ? 1 : MAX_TENANT_WARNINGS)) {
    app.log.warn({ tenant: t.domain }, goToolsWarning(config, t.domain));
  }
  if (!config.publicHost && unreachable.length > MAX_TENANT_WARNINGS) {
    app.log.warn(`${unreachable.length - MAX_TENANT_WARNINGS} more tenants have no dot in their domain`);
  }
}

const MAX_TENANT_WARNINGS = 5;
