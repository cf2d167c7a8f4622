// The server's log: pretty lines for a person at a terminal, JSON lines (pino's) for
// log collectors; LOG_FORMAT forces either.
import { writeSync } from 'node:fs';
import pino from 'pino';
import type { Config } from './config.ts';
import type { Core } from './core.ts';

export type LoggerOptions = { level: string; stream?: NodeJS.WritableStream };

/** Where the log goes: stdout, or (tests) another file descriptor. */
export type LogOut = { isTTY?: boolean; fd?: number };

export function prettyLogs(config: Config, stdout: LogOut = process.stdout): boolean {
  return config.logFormat === 'pretty' || (config.logFormat === 'auto' && stdout.isTTY === true);
}

/** Anything lines can be written to: a SonicBoom, a file's stream. */
type LineSink = { write(text: string): unknown };

/** Batches not yet written, for the process's exit (one listener for all). */
const unwritten = new Set<LineBatch>();
let exitListener = false;

/**
 * JSON lines, written in batches: the lines logged during one turn of the event loop go out
 * together at the end of that turn (a busy server answers many requests a turn), so no line
 * waits longer than that, and a batch still pending when the process exits is written then.
 * Pino's default (one asynchronous write a line, each through libuv's thread pool) cost GET
 * app about 12% of its server CPU per request; this about 5% (the bench's paired runs, README).
 */
export class LineBatch {
  /** Lines not yet written; while there are any, a flush is due at the end of this turn. */
  private lines: string[] = [];

  constructor(private readonly out: LineSink) {}

  write(line: string): void {
    if (this.lines.push(line) > 1) return;
    unwritten.add(this);
    setImmediate(() => this.flush());
  }

  /** Writes what is pending now. */
  flush(): void {
    unwritten.delete(this);
    if (this.lines.length === 0) return;
    const text = this.lines.length === 1 ? this.lines[0] : this.lines.join('');
    this.lines = [];
    this.out.write(text);
  }
}

/** JSON lines to `fd`, batched; SonicBoom in its synchronous mode does the writing (partial writes, EAGAIN). */
function jsonLines(fd: number): LineBatch {
  if (!exitListener) {
    exitListener = true;
    process.on('exit', () => {
      for (const batch of unwritten) batch.flush();
    });
  }
  return new LineBatch(pino.destination({ dest: fd, sync: true }));
}

export async function loggerOptions(config: Config, stdout: LogOut = process.stdout): Promise<LoggerOptions> {
  if (!prettyLogs(config, stdout)) {
    return { level: config.logLevel, stream: jsonLines(stdout.fd ?? 1) as unknown as NodeJS.WritableStream };
  }
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
