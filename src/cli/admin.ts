// The admin socket: while a server holds a PGlite data dir, CLI commands run
// inside it. The CLI sends its argv and cwd; the server runs the same commander
// program against its own core and streams the output and exit code back.
// Protocol: newline-delimited JSON. CLI → server: one {argv, cwd} line.
// Server → CLI: {t:'out'|'err', d:text} lines, then {t:'exit', code}.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** `tty`: the CLI's stdout is a terminal (list commands then print tables, not JSON). */
export type RunRequest = { argv: string[]; cwd: string; tty?: boolean };
export type CliIo = { out(text: string): void; err(text: string): void; isTTY?: boolean };
export type AdminRunner = (req: RunRequest, io: CliIo) => Promise<number>;

// sun_path holds 108 bytes on Linux and 104 on macOS.
const MAX_SOCKET_PATH = 100;

/** Where the server of `dataDir` listens: in the data dir, or under the temp dir when that path is too long. */
export function adminSocketPath(dataDir: string): string {
  const inDir = path.join(dataDir, 'admin.sock');
  if (Buffer.byteLength(inDir) <= MAX_SOCKET_PATH) return inDir;
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `gatehouse-${process.getuid?.() ?? 'u'}-${hash}`, 'admin.sock');
}

export type AdminServer = { path: string; close(): Promise<void> };

/** Listens on `socketPath` (mode 0600); `close` stops accepting and waits for running commands. */
export async function listenAdmin(socketPath: string, run: AdminRunner): Promise<AdminServer> {
  const dir = path.dirname(socketPath);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || (process.getuid && st.uid !== process.getuid()) || (st.mode & 0o002) !== 0) {
    throw new Error(`${dir}: must be a directory of this user that others cannot write to (for the admin socket)`);
  }
  // We hold the data dir lock, so a socket file here is a dead server's.
  fs.rmSync(socketPath, { force: true });
  const active = new Set<Promise<unknown>>();
  const server = net.createServer((sock) => {
    const p = serveConnection(sock, run);
    active.add(p);
    void p.finally(() => active.delete(p));
  });
  // The socket file is created by bind() inside listen(); the umask keeps it
  // private from the first instant (chmod afterwards would leave a window).
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  fs.chmodSync(socketPath, 0o600);
  return {
    path: socketPath,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...active]);
      fs.rmSync(socketPath, { force: true });
    },
  };
}

async function serveConnection(sock: net.Socket, run: AdminRunner): Promise<void> {
  sock.on('error', () => {}); // the CLI went away; the command still finishes
  const send = (msg: object) => {
    if (!sock.destroyed) sock.write(`${JSON.stringify(msg)}\n`);
  };
  let req: RunRequest;
  try {
    req = await readRequest(sock);
  } catch (err) {
    send({ t: 'err', d: `error: ${(err as Error).message}\n` });
    send({ t: 'exit', code: 2 });
    sock.end();
    return;
  }
  let code = 1;
  try {
    code = await run(req, { out: (d) => send({ t: 'out', d }), err: (d) => send({ t: 'err', d }) });
  } finally {
    send({ t: 'exit', code });
    sock.end();
  }
}

function readRequest(sock: net.Socket): Promise<RunRequest> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > 1 << 20) done(new Error('request too large'));
        return;
      }
      try {
        const req = JSON.parse(buf.slice(0, nl)) as RunRequest;
        if (
          !Array.isArray(req.argv) ||
          !req.argv.every((a) => typeof a === 'string') ||
          typeof req.cwd !== 'string' ||
          (req.tty !== undefined && typeof req.tty !== 'boolean')
        ) {
          throw new Error('malformed request');
        }
        done(undefined, req);
      } catch (err) {
        done(err as Error);
      }
    };
    const onEnd = () => done(new Error('connection closed before the request'));
    const done = (err?: Error, req?: RunRequest) => {
      sock.off('data', onData);
      sock.off('end', onEnd);
      if (err) reject(err);
      else resolve(req as RunRequest);
    };
    sock.on('data', onData);
    sock.on('end', onEnd);
  });
}

/** CLI side: runs `argv` in the server behind `socketPath`; relays its output; resolves to its exit code. */
export async function forwardToServer(socketPath: string, req: RunRequest, io: CliIo, connectWaitMs = 10_000): Promise<number> {
  const sock = await connect(socketPath, connectWaitMs);
  return new Promise((resolve, reject) => {
    let buf = '';
    let code: number | undefined;
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, nl)) as { t: string; d?: string; code?: number };
        buf = buf.slice(nl + 1);
        if (msg.t === 'out') io.out(msg.d ?? '');
        else if (msg.t === 'err') io.err(msg.d ?? '');
        else if (msg.t === 'exit') code = msg.code ?? 1;
      }
    });
    sock.on('error', reject);
    sock.on('close', () => {
      if (code === undefined) reject(new Error('the server closed the admin connection before the command finished'));
      else resolve(code);
    });
    sock.write(`${JSON.stringify(req)}\n`);
  });
}

async function connect(socketPath: string, waitMs: number): Promise<net.Socket> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.createConnection(socketPath);
        s.once('connect', () => {
          s.off('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      });
    } catch (err) {
      // The server takes the lock before it listens: give a starting server a moment.
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ECONNREFUSED') || Date.now() >= deadline) throw err;
      await sleep(100);
    }
  }
}
