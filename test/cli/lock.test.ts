// The data dir lock: one holder at a time, dead holders taken over, live ones named.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { acquireLock, isAlive, LockError, type LockHolder, liveHolder, lockPath, readHolder } from '../../src/cli/lock.ts';
import { tempDir } from './proc.ts';

const dirs: string[] = [];
const children: ChildProcess[] = [];
const newDir = () => {
  const d = tempDir('gh-lock-');
  dirs.push(d);
  return d;
};

/** A live process that is not us. */
function sleeper(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
  children.push(child);
  return new Promise((resolve) => child.once('spawn', () => resolve(child)));
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

const startTime = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};

function writeLock(dir: string, h: Partial<LockHolder>): void {
  const holder: LockHolder = {
    pid: 0,
    host: os.hostname(),
    kind: 'serve',
    command: 'serve',
    since: new Date().toISOString(),
    ...h,
  };
  writeFileSync(lockPath(dir), JSON.stringify(holder));
}

afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('data dir lock', () => {
  it('records the holder and releases only its own lock', async () => {
    const dir = newDir();
    const lock = await acquireLock(dir, { kind: 'cli', command: 'tenants list' });
    const h = readHolder(dir) as LockHolder;
    expect(h).toMatchObject({ pid: process.pid, kind: 'cli', command: 'tenants list', host: os.hostname() });
    lock.release();
    expect(existsSync(lockPath(dir))).toBe(false);

    // A lock that is not ours is left alone by release().
    await acquireLock(dir, { kind: 'cli', command: 'x' }).then((l) => {
      writeLock(dir, { pid: 12345678 });
      l.release();
    });
    expect(readHolder(dir)?.pid).toBe(12345678);
  });

  it('a live server holder is refused at once, naming it', async () => {
    const dir = newDir();
    const child = await sleeper();
    writeLock(dir, { pid: child.pid, kind: 'serve' });
    expect(liveHolder(dir)?.pid).toBe(child.pid);
    const err = await acquireLock(dir, { kind: 'cli', command: 'x', waitMs: 60_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(LockError);
    expect(err.message).toBe(`the data directory ${dir} is in use by a Gatehouse server (pid ${child.pid})`);
    expect(readHolder(dir)?.pid).toBe(child.pid);
  });

  it('a live CLI holder is waited for, then refused; when it dies its lock is taken over', async () => {
    const dir = newDir();
    const child = await sleeper();
    writeLock(dir, { pid: child.pid, startTime: startTime(child.pid as number), kind: 'cli', command: 'users import' });
    const waited: LockHolder[] = [];
    const err = await acquireLock(dir, { kind: 'cli', command: 'x', waitMs: 300, onWait: (h) => waited.push(h) }).catch((e) => e);
    expect(err).toBeInstanceOf(LockError);
    expect(err.message).toContain(`in use by \`gatehouse users import\` (pid ${child.pid})`);
    expect(waited.map((h) => h.pid)).toEqual([child.pid]);

    // Waiting: the holder ends while we wait, and we get the lock.
    const pending = acquireLock(dir, { kind: 'serve', command: 'serve', waitMs: 60_000, onWait: () => child.kill('SIGKILL') });
    const lock = await pending;
    expect(readHolder(dir)).toMatchObject({ pid: process.pid, kind: 'serve' });
    lock.release();
  });

  it('takes over stale locks: dead pid, reused pid, unreadable file', async () => {
    const dir = newDir();
    writeLock(dir, { pid: await deadPid() });
    (await acquireLock(dir, { kind: 'serve', command: 'serve' })).release();

    if (process.platform === 'linux') {
      // pid 1 is alive, but it is not the process that wrote this lock (other start time).
      writeLock(dir, { pid: 1, startTime: 'not-the-start-time' });
      expect(isAlive(readHolder(dir) as LockHolder)).toBe(false);
      (await acquireLock(dir, { kind: 'serve', command: 'serve' })).release();
    }

    writeFileSync(lockPath(dir), '{"pid": 4');
    (await acquireLock(dir, { kind: 'cli', command: 'x' })).release();
    expect(existsSync(lockPath(dir))).toBe(false);
  });

  it('a holder on another host is assumed alive (shared disk)', async () => {
    const dir = newDir();
    writeLock(dir, { pid: await deadPid(), host: `not-${os.hostname()}` });
    await expect(acquireLock(dir, { kind: 'serve', command: 'serve' })).rejects.toBeInstanceOf(LockError);
  });

  it('many takers of one stale lock: exactly one wins', async () => {
    const dir = newDir();
    writeLock(dir, { pid: await deadPid() });
    // Separate processes, since a process never competes with itself.
    const script = `
      const { acquireLock } = await import(${JSON.stringify(new URL('../../src/cli/lock.ts', import.meta.url).href)});
      try { await acquireLock(process.argv[1], { kind: 'serve', command: 'serve' }); console.log('won'); setTimeout(() => {}, 3000); }
      catch (e) { console.log('lost'); }`;
    const runs = Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, dir], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      return new Promise<string>((resolve) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        child.once('exit', () => resolve(out.trim()));
      });
    });
    const results = await Promise.all(runs);
    expect(results.filter((r) => r === 'won')).toHaveLength(1);
    expect(results.filter((r) => r === 'lost')).toHaveLength(3);
  }, 60_000);
});
