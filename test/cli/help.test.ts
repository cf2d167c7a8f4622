// `--help` on every command: usage on stdout, exit 0, no database touched. Through
// the binary's entry point (main) in this process: a process per help text proves nothing more.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mainIn } from './inproc.ts';
import { expectCode, tempDir } from './proc.ts';

const dir = tempDir();
const env = { GATEHOUSE_DATA_DIR: path.join(dir, 'data') };
const help = async (cmd: string[]) => expectCode(await mainIn([...cmd, '--help'], env), 0).stdout;

/** The subcommand names listed under "Commands:" in a help text. */
const subcommands = (text: string) =>
  (text.split('Commands:')[1] ?? '')
    .split('\n')
    .map((l) => /^ {2}([a-z][a-z-]*)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && n !== 'help');

describe('gatehouse --help', { timeout: 240_000 }, () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every command group, and each group its subcommands, all with their own help', async () => {
    const top = await help([]);
    expect(top).toContain('Usage: gatehouse [options] [command]');
    expect(subcommands(top)).toEqual([
      'serve',
      'migrate',
      'tls',
      'tenants',
      'clients',
      'users',
      'import',
      'sync',
      'apps',
      'resource-types',
      'resources',
      'entitlements',
      'grants',
      'keys',
      'audit',
    ]);

    const expected: Record<string, string[]> = {
      tenants: ['create', 'list'],
      clients: ['create', 'list', 'revoke'],
      users: ['create', 'import', 'list', 'get', 'update', 'disable', 'enable'],
      tls: ['init'],
      keys: ['rotate', 'list'],
      audit: ['export'],
    };
    const leaves: string[][] = [['serve'], ['migrate'], ['sync']];
    for (const group of [
      'tls',
      'tenants',
      'clients',
      'users',
      'import',
      'apps',
      'resource-types',
      'resources',
      'entitlements',
      'grants',
      'keys',
      'audit',
    ]) {
      const text = await help([group]);
      expect(text).toContain(`Usage: gatehouse ${group} [options] [command]`);
      const subs = subcommands(text);
      if (expected[group]) expect(subs).toEqual(expected[group]);
      for (const sub of subs) leaves.push([group, sub]);
    }
    for (const leaf of leaves) {
      const text = await help(leaf);
      expect(text).toContain(`Usage: gatehouse ${leaf.join(' ')}`);
      expect(text).toContain('-h, --help');
      // Every command that works on a tenant's data takes --tenant.
      if (!['serve', 'migrate', 'tls', 'tenants'].includes(leaf[0])) expect(text).toContain('--tenant <domain>');
    }
    expect(await help(['clients', 'create'])).toContain('--role <role>');
    expect(await help(['tls', 'init'])).toContain('--force');
    expect(await help(['sync'])).toContain('--app <id>');
    expect(await help(['users', 'create'])).toMatch(/--email <email>[\s\S]*--display-name <name>[\s\S]*--username <username>/);
    // Help never opens (or creates) the database.
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
  });

  it('an unknown command or option is a usage error (exit 1)', async () => {
    expect(expectCode(await mainIn(['frobnicate'], env), 1).stderr).toContain("unknown command 'frobnicate'");
    expect(expectCode(await mainIn(['tenants', 'list', '--bogus'], env), 1).stderr).toContain("unknown option '--bogus'");
  });
});
