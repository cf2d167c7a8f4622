// `gatehouse keys rotate` and `keys list`: webhook signing keys rotate; the JWKS keeps the old public key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends } from '../helpers/server.ts';
import { expectExit, type InProcessCli, inProcessCli } from './run.ts';

describe.each(backends)('keys commands on %s', (backend) => {
  let cli: InProcessCli;
  beforeAll(async () => {
    cli = await inProcessCli(backend);
  });
  afterAll(async () => cli?.close());

  it('rotates the tenant key and keeps publishing the retired one; never prints a private key', async () => {
    expect(expectExit(await cli.run(['keys', 'list']), 0).json()).toEqual({ keys: [] });
    const first = expectExit(await cli.run(['keys', 'rotate']), 0).json();
    expect(first).toEqual({ tenant: 'localhost', kid: expect.any(String), published: [first.kid] });
    const second = expectExit(await cli.run(['keys', 'rotate', '--tenant', 'localhost']), 0);
    expect(second.json()).toEqual({ tenant: 'localhost', kid: expect.any(String), published: [first.kid, second.json().kid] });
    expect(second.json().kid).not.toBe(first.kid);
    const list = expectExit(await cli.run(['keys', 'list']), 0);
    expect(list.json().keys.map((k: { kid: string }) => k.kid)).toEqual([first.kid, second.json().kid]);
    expect(list.stdout).not.toContain('"d"');
    // The current key is the one that signs.
    expect(
      (await cli.core.services.webhooks.keys.current((await cli.core.services.tenants.getByDomain('localhost')).id)).kid,
    ).toBe(second.json().kid);
    expect(expectExit(await cli.run(['keys', 'rotate', '--tenant', 'nobody.example']), 2).stderr).toContain(
      'tenant nobody.example not found',
    );
  });
});
