// The server's log: pretty lines for a person at a terminal, JSON lines (pino's) for
// log collectors; LOG_FORMAT forces either.
import { writeSync } from 'node:fs';
import type { Config } from './config.ts';
import type { Core } from './core.ts';

export type LoggerOptions = { level: string; stream?: NodeJS.WritableStream };

/** Where the log goes: stdout, or (tests) another file descriptor. */
export type LogOut = { isTTY?: boolean; fd?: number };

export function prettyLogs(config: Config, stdout: LogOut = process.stdout): boolean {
  return config.logFormat === 'pretty' || (config.logFormat === 'auto' && stdout.isTTY === true);
}

export async function loggerOptions(config: Config, stdout: LogOut = process.stdout): Promise<LoggerOptions> {
  if (!prettyLogs(config, stdout)) return { level: config.logLevel };
  // Loaded only when used. Each line is formatted and written at once: pino-pretty's own stream
  // hands lines on asynchronously, and loses the last ones when the server exits.
  const { prettyFactory } = await import('pino-pretty');
  const format = prettyFactory({ translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', colorize: stdout.isTTY === true });
  const fd = stdout.fd ?? 1;
  const stream = { write: (line: string) => void writeSync(fd, format(line)) } as unknown as NodeJS.WritableStream;
  return { level: config.logLevel, stream };
}

/** The start-up line's message: where it listens, on what, and what the migrations did. */
export function listeningMessage(url: string, core: Pick<Core, 'database' | 'migrations'>): string {
  const m = core.migrations;
  const migrations = m ? ` (applied ${m.applied} migration${m.applied === 1 ? '' : 's'}, ${m.total} in all)` : '';
  return `Gatehouse listening on ${url} using ${core.database.location}${migrations}`;
}
