// Exclusive lock on a PGlite data dir. PGlite is one process's database: two
// processes opening the same files corrupt it. The lock file names its holder,
// so the CLI can find a running server (and its admin socket) and a stale lock
// left by a dead process can be taken over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type LockHolder = {
  pid: number;
  /** Kernel start time of the process (Linux), so a reused pid is not taken for the holder. */
  startTime?: string;
  host: string;
  kind: 'serve' | 'cli';
  /** What holds it, for messages: "serve", "users import", ... */
  command: string;
  /** The server's admin socket (kind 'serve'). */
  socket?: string;
  since: string;
};

export class LockError extends Error {
  constructor(
    message: string,
    readonly holder: LockHolder,
  ) {
    super(message);
  }
}

export type Lock = { holder: LockHolder; release(): void };

export const lockPath = (dataDir: string): string => path.join(dataDir, 'gatehouse.lock');

function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the fields after "(comm) " start at field 3.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function isAlive(h: LockHolder): boolean {
  if (h.host !== os.hostname()) return true; // another machine (shared disk): cannot tell, so assume it is
  if (!Number.isInteger(h.pid) || h.pid <= 0 || h.pid === process.pid) return false;
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = h.startTime ? startTimeOf(h.pid) : undefined;
  return !(now !== undefined && now !== h.startTime);
}

/** The recorded holder; an unreadable lock file counts as a dead holder. */
export function readHolder(dataDir: string): LockHolder | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockPath(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as LockHolder;
  } catch {
    return { pid: 0, host: os.hostname(), kind: 'cli', command: 'unknown', since: '' };
  }
}

/** The holder if it is a live process. */
export function liveHolder(dataDir: string): LockHolder | undefined {
  const h = readHolder(dataDir);
  return h && isAlive(h) ? h : undefined;
}

export const describeHolder = (h: LockHolder): string =>
  h.kind === 'serve' ? `a Gatehouse server (pid ${h.pid})` : `\`gatehouse ${h.command}\` (pid ${h.pid})`;

export type AcquireOptions = {
  kind: LockHolder['kind'];
  command: string;
  socket?: string;
  /** How long to wait for another CLI command to finish (a server is never waited for). */
  waitMs?: number;
  onWait?: (holder: LockHolder) => void;
};

export async function acquireLock(dataDir: string, opts: AcquireOptions): Promise<Lock> {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = lockPath(dataDir);
  const holder: LockHolder = {
    pid: process.pid,
    startTime: startTimeOf(process.pid),
    host: os.hostname(),
    kind: opts.kind,
    command: opts.command,
    socket: opts.socket,
    since: new Date().toISOString(),
  };
  // Written in full first, then linked into place: link() fails if the lock
  // exists, so creation is atomic and nobody ever reads a half-written file.
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(holder), { mode: 0o600 });
  const deadline = Date.now() + (opts.waitMs ?? 0);
  let announced = false;
  try {
    for (;;) {
      try {
        fs.linkSync(tmp, file);
        return { holder, release: () => releaseLock(dataDir) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const current = readHolder(dataDir);
      if (!current) continue;
      if (!isAlive(current)) {
        await removeStale(file, current);
        continue;
      }
      if (current.kind === 'serve' || Date.now() >= deadline) {
        throw new LockError(`the data directory ${dataDir} is in use by ${describeHolder(current)}`, current);
      }
      if (!announced) opts.onWait?.(current);
      announced = true;
      await sleep(200);
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Removes a dead holder's lock. A guard file makes the check-and-remove atomic,
 * so two processes taking over at once cannot remove each other's fresh lock.
 */
async function removeStale(file: string, stale: LockHolder): Promise<void> {
  const guard = `${file}.takeover`;
  let fd: number;
  try {
    fd = fs.openSync(guard, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A guard older than a few seconds was left by a process that died mid-takeover.
    const age = Date.now() - (fs.statSync(guard, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > 5000) fs.rmSync(guard, { force: true });
    else await sleep(50);
    return;
  }
  try {
    const now = readHolder(path.dirname(file));
    if (now && now.pid === stale.pid && now.since === stale.since) fs.rmSync(file, { force: true });
  } finally {
    fs.closeSync(fd);
    fs.rmSync(guard, { force: true });
  }
}

function releaseLock(dataDir: string): void {
  try {
    if (readHolder(dataDir)?.pid === process.pid) fs.rmSync(lockPath(dataDir), { force: true });
  } catch {
    // Nothing to do: a lock we cannot read is taken over as stale next time.
  }
}
