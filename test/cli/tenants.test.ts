// Tenant domains are host names without a port, in `tenants create` and in GATEHOUSE_TENANT_DOMAIN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { backends } from '../helpers/server.ts';
import { expectExit, type InProcessCli, inProcessCli } from './run.ts';

describe.each(backends)('tenant domains on %s', (backend) => {
  let cli: InProcessCli;
  beforeAll(async () => {
    cli = await inProcessCli(backend);
  });
  afterAll(async () => cli?.close());

  it('tenants create refuses a domain with a port, saying the port is the server’s', async () => {
    const r = expectExit(await cli.run(['tenants', 'create', 'acme.test:21200']), 2);
    expect(r.stderr).toBe(
      'error: domain: "acme.test:21200" has a port: a tenant domain is a host name without one (acme.test); ' +
        'the port belongs to the server: set GATEHOUSE_PUBLIC_PORT\n',
    );
    expect(expectExit(await cli.run(['tenants', 'create', 'localhost:']), 2).stderr).toContain('has a port');
    expect(expectExit(await cli.run(['tenants', 'create', 'a b:80']), 2).stderr).toContain('"a b:80" is not a host name');
    expect(expectExit(await cli.run(['tenants', 'create', 'acme..test']), 2).stderr).toContain('is not a host name');
    const list = expectExit(await cli.run(['tenants', 'list']), 0).json();
    expect(list.map((t: { domain: string }) => t.domain)).toEqual(['localhost']);
    expect(expectExit(await cli.run(['tenants', 'create', 'Acme.Test']), 0).json()).toMatchObject({ domain: 'acme.test' });
    expect(expectExit(await cli.run(['tenants', 'create', 'acme.test']), 2).stderr).toContain('tenant acme.test already exists');
  });

  it('GATEHOUSE_TENANT_DOMAIN with a port stops the start with the same message', () => {
    expect(() => loadConfig({ GATEHOUSE_TENANT_DOMAIN: 'acme.test:21200' })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEHOUSE_TENANT_DOMAIN: 'acme.test:21200' })).toThrow(
      'GATEHOUSE_TENANT_DOMAIN: "acme.test:21200" has a port: a tenant domain is a host name without one (acme.test); ' +
        'the port belongs to the server: set GATEHOUSE_PUBLIC_PORT',
    );
    expect(() => loadConfig({ GATEHOUSE_TENANT_DOMAIN: 'not a host' })).toThrow('"not a host" is not a host name');
    expect(loadConfig({ GATEHOUSE_TENANT_DOMAIN: ' Acme.Test ' }).tenantDomain).toBe('acme.test');
    expect(loadConfig({}).tenantDomain).toBe('localhost');
  });
});
