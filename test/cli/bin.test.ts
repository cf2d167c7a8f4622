// The installed command itself (bin/gatehouse.js in a real process), started from
// another directory: the only CLI behaviour an in-process run cannot show.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, ROOT } from './proc.ts';

const VERSION = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
const dataDir = path.join(os.tmpdir(), `gh-bin-${process.pid}`);
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const run = (args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, 'bin/gatehouse.js'), ...args], {
    cwd: os.tmpdir(),
    env: cleanEnv({ GATEHOUSE_DATA_DIR: dataDir }),
    encoding: 'utf8',
  });

describe('bin/gatehouse.js', () => {
  it('--version from any directory; an unknown option is an error naming it', () => {
    const v = run(['--version']);
    expect(v.stderr).toBe('');
    expect(v.stdout).toBe(`${VERSION}\n`);
    expect(v.status).toBe(0);
    const bad = run(['grants', 'list', '--app', 'x', '--color', 'red']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("error: unknown option '--color'");
    expect(bad.stdout).toBe('');
  });
});
