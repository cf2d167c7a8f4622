#!/usr/bin/env node
// Entry of the `gatehouse` command (serve, migrate, tenants, clients, users, import).
// PGlite is single-process, so on PGlite the data dir is locked by whoever uses
// it: a server runs the commands of other `gatehouse` processes for them (sent
// over its admin socket); with no server, the command locks the dir and opens the
// database itself. This file loads little, and the lock is taken before the heavy
// modules load, so that the check-then-lock window stays tiny and forwarding is fast.
// Importing this file runs nothing.
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { adminSocketPath, type CliIo, forwardToServer } from './cli/admin.ts';
import { acquireLock, describeHolder, type Lock, LockError, liveHolder } from './cli/lock.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';

const stdio: CliIo = {
  out: (s) => void process.stdout.write(s),
  err: (s) => void process.stderr.write(s),
  isTTY: process.stdout.isTTY === true,
};

/** How long a command waits for another CLI command that holds the data dir. */
const LOCK_WAIT_MS = 60_000;

/** Runs one command line; resolves to the exit code (for `serve`: once it listens). `env`: where settings come from. */
export async function main(
  argv: string[] = process.argv.slice(2),
  io: CliIo = stdio,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`error: ${err.message}\n`);
    return 2;
  }
  const command = argv.find((a) => !a.startsWith('-'));
  let lock: Lock | undefined;
  // Help and `tls` need no database; PostgreSQL is shared by design: no lock.
  const help = command === undefined || command === 'help' || argv.includes('--help') || argv.includes('-h');
  // `sync --server` uploads over HTTP: no database of its own.
  const remote = command === 'sync' && argv.some((a) => a === '--server' || a.startsWith('--server='));
  if (!config.databaseUrl && !help && command !== 'tls' && !remote) {
    const dir = config.dataDir;
    const onWait = (h: Parameters<typeof describeHolder>[0]) =>
      io.err(`waiting for ${describeHolder(h)} to finish with ${dir} ...\n`);
    for (;;) {
      const server = liveHolder(dir);
      if (server?.kind === 'serve') {
        if (command === 'serve') {
          io.err(`error: the data directory ${dir} is in use by ${describeHolder(server)}; stop it or set GATEHOUSE_DATA_DIR\n`);
          return 2;
        }
        if (command === 'migrate') {
          io.err(`the server using ${dir} (pid ${server.pid}) applied the migrations when it started; nothing to do\n`);
          return 0;
        }
        return forward(server.socket ?? adminSocketPath(dir), server.pid, argv, io);
      }
      try {
        lock =
          command === 'serve'
            ? await acquireLock(dir, { kind: 'serve', command, socket: adminSocketPath(dir), waitMs: LOCK_WAIT_MS, onWait })
            : await acquireLock(dir, { kind: 'cli', command: commandOf(argv), waitMs: LOCK_WAIT_MS, onWait });
        break;
      } catch (err) {
        // A server took the dir since we looked: go round and use it.
        if (err instanceof LockError && err.holder.kind === 'serve') continue;
        io.err(`error: ${(err as Error).message}\n`);
        return 2;
      }
    }
  }
  try {
    const { runLocal } = await import('./cli/local.ts');
    return await runLocal(config, argv, io, lock);
  } catch (err) {
    lock?.release();
    throw err;
  }
}

async function forward(socket: string, pid: number, argv: string[], io: CliIo): Promise<number> {
  try {
    return await forwardToServer(socket, { argv, cwd: process.cwd(), tty: io.isTTY }, io);
  } catch (err) {
    io.err(`error: cannot reach the Gatehouse server (pid ${pid}) at ${socket}: ${(err as Error).message}\n`);
    return 2;
  }
}

/** "users import", for whoever finds the dir locked. */
const commandOf = (argv: string[]) =>
  argv
    .filter((a) => !a.startsWith('-'))
    .slice(0, 2)
    .join(' ');

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  process.exitCode = await main();
}
