// Child processes of the bench: the Gatehouse server, the baseline server and
// the load generator; plus what we read about them (start-up time, RSS) and
// about the machine.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export type Proc = { child: ChildProcess; pid: number; url: string; logFile: string; exited: Promise<number | null> };

/** Starts `node <args>` with its output in `logFile` (never on our terminal). */
export function startNode(args: string[], env: Record<string, string>, logFile: string, url: string): Proc {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, pid: child.pid as number, url, logFile, exited };
}

export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Polls `url` until it answers 200; returns the milliseconds since `since`. */
export async function waitFor(proc: Proc, urlPath: string, since: number, timeoutMs = 600_000): Promise<number> {
  let dead = false;
  void proc.exited.then(() => {
    dead = true;
  });
  for (;;) {
    if (dead) throw new Error(`process ${proc.pid} exited before answering ${urlPath}:\n${tail(proc.logFile)}`);
    try {
      const res = await fetch(proc.url + urlPath, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return Date.now() - since;
    } catch {}
    if (Date.now() - since > timeoutMs) throw new Error(`${urlPath} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function stop(proc: Proc): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 30_000);
  await proc.exited;
  clearTimeout(timer);
}

/** Resident memory of a process in MiB (VmRSS of /proc/<pid>/status). */
export function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a child to completion (or SIGTERMs it after `timeoutMs`); resolves with its stdout (stderr goes to `logFile`). */
export function runNode(
  args: string[],
  env: Record<string, string>,
  logFile: string,
  timeoutMs = 0,
): Promise<{ code: number | null; stdout: string; ms: number; timedOut: boolean }> {
  const fd = openSync(logFile, 'a');
  const started = Date.now();
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', fd] });
  closeSync(fd);
  let stdout = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    stdout += d;
  });
  let timedOut = false;
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGTERM');
        }, timeoutMs)
      : undefined;
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, ms: Date.now() - started, timedOut });
    });
  });
}

export type MachineInfo = {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  os: string;
  loadAverage: number[];
};

export function machineInfo(): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {}
  return {
    cores: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
