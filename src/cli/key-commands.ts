// `gatehouse keys`: the tenant keys that sign webhook deliveries (docs/webhooks.md).
import type { Command } from 'commander';
import type { CliKit } from './import.ts';

export function addKeyCommands(program: Command, kit: CliKit): void {
  const keys = program.command('keys').description('manage the keys that sign webhook deliveries');
  keys
    .command('rotate')
    .description(
      "retire the tenant's webhook signing key and make a new one; /auth/v1/jwks keeps the old public key until its last signature expires",
    )
    .addOption(kit.tenantOption())
    .action(async (opt: { tenant?: string }) =>
      kit.withCore(async (core) => {
        const tenant = await kit.tenantOf(core, opt);
        const kid = await core.services.webhooks.keys.rotate(tenant.id);
        const published = (await core.services.webhooks.keys.jwks(tenant.id)).keys.map((k) => k.kid);
        kit.print({ tenant: tenant.domain, kid, published });
      }),
    );
  keys
    .command('list')
    .description("the tenant's published public keys (as /auth/v1/jwks?tenant=<domain> answers them)")
    .addOption(kit.tenantOption())
    .action(async (opt: { tenant?: string }) =>
      kit.withCore(async (core) => {
        const tenant = await kit.tenantOf(core, opt);
        kit.print(await core.services.webhooks.keys.jwks(tenant.id));
      }),
    );
}
