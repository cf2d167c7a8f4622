// The admin socket protocol: a command's output and exit code come back; the
// socket is private; close() waits for running commands.
import { rmSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adminSocketPath, forwardToServer, listenAdmin } from '../../src/cli/admin.ts';
import { tempDir } from './proc.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const newDir = () => {
  const d = tempDir('gh-admin-');
  dirs.push(d);
  return d;
};

function collect() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out, err };
}

describe('admin socket', () => {
  it('relays output, errors and the exit code; the socket is mode 0600', async () => {
    const dir = newDir();
    const socket = adminSocketPath(dir);
    expect(socket).toBe(path.join(dir, 'admin.sock'));
    const admin = await listenAdmin(socket, async (req, io) => {
      io.out(`${JSON.stringify(req)}\n`);
      io.err('progress line\n');
      return 3;
    });
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const c = collect();
    const code = await forwardToServer(socket, { argv: ['users', 'import', 'a b.csv'], cwd: '/some/where' }, c.io);
    expect(code).toBe(3);
    expect(JSON.parse(c.out.join(''))).toEqual({ argv: ['users', 'import', 'a b.csv'], cwd: '/some/where' });
    expect(c.err.join('')).toBe('progress line\n');
    await admin.close();
    expect(() => statSync(socket)).toThrow();
  });

  it('a malformed request is refused with exit 2', async () => {
    const dir = newDir();
    const socket = adminSocketPath(dir);
    const admin = await listenAdmin(socket, async () => 0);
    const reply = await new Promise<string>((resolve) => {
      const s = net.createConnection(socket, () => s.write('{"argv": "not a list"}\n'));
      let text = '';
      s.on('data', (c: Buffer) => {
        text += c.toString();
      });
      s.on('close', () => resolve(text));
    });
    const lines = reply
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      { t: 'err', d: 'error: malformed request\n' },
      { t: 'exit', code: 2 },
    ]);
    await admin.close();
  });

  it('close() stops accepting and waits for the command that runs', async () => {
    const dir = newDir();
    const socket = adminSocketPath(dir);
    let finish!: () => void;
    let started!: () => void;
    const running = new Promise<void>((r) => {
      started = r;
    });
    const admin = await listenAdmin(socket, async (_req, io) => {
      started();
      await new Promise<void>((r) => {
        finish = r;
      });
      io.out('done\n');
      return 0;
    });
    const c = collect();
    const forwarded = forwardToServer(socket, { argv: ['x'], cwd: '/' }, c.io);
    await running;
    let closed = false;
    const closing = admin.close().then(() => {
      closed = true;
    });
    // Not accepting any more.
    await expect(forwardToServer(socket, { argv: ['y'], cwd: '/' }, collect().io, 0)).rejects.toThrow();
    expect(closed).toBe(false);
    finish();
    expect(await forwarded).toBe(0);
    expect(c.out).toEqual(['done\n']);
    await closing;
    expect(closed).toBe(true);
  });

  it('a data dir path too long for a socket puts the socket in a private temp dir', async () => {
    const dir = path.join(newDir(), 'x'.repeat(120));
    const socket = adminSocketPath(dir);
    expect(socket.startsWith(os.tmpdir())).toBe(true);
    expect(Buffer.byteLength(socket)).toBeLessThan(104);
    const admin = await listenAdmin(socket, async () => 0);
    expect(statSync(path.dirname(socket)).mode & 0o777).toBe(0o700);
    expect(await forwardToServer(socket, { argv: [], cwd: '/' }, collect().io)).toBe(0);
    await admin.close();
    rmSync(path.dirname(socket), { recursive: true, force: true });
  });
});
