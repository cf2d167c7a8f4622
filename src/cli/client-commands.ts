// `gatehouse clients create|list|revoke`: API clients. A service client (`--role`) acts as Super
// Administrator or Read-Only Super Administrator with no user; a personal client (`--user`) acts
// as its user, with the user's roles, like the ones C1's PersonalClientService makes.
import { type Command, Option } from 'commander';
import { failedPrecondition } from '../lib/errors.ts';
import type { CliIo } from './admin.ts';
import { clientNotes } from './client-notes.ts';
import type { CliKit } from './import.ts';
import { findUser } from './user-commands.ts';

/** The name of a personal client made without --name. */
export const DEFAULT_PERSONAL_NAME = 'gatehouse CLI';

type CreateOpt = { name?: string; role: string; user?: string; tenant?: string };

export function addClientCommands(clients: Command, kit: CliKit, io: CliIo, runsServer: boolean): void {
  const { withCore, print, tenantOf } = kit;
  clients
    .command('create')
    .description(
      'create a client; prints its id and secret (the only time the secret is shown). With --role, a service client ' +
        '(no user; admin: Super Administrator, read-only: Read-Only Super Administrator); with --user, a personal client ' +
        "acting as that user, with the user's roles",
    )
    .option('--name <name>', `client name (required with --role; with --user, default "${DEFAULT_PERSONAL_NAME}")`)
    .addOption(
      new Option('--role <role>', 'service client role').choices(['admin', 'read-only']).default('admin').conflicts('user'),
    )
    .addOption(new Option('--user <email>', 'make a personal client of this user (id or email)'))
    .addOption(kit.tenantOption())
    .action(async (opt: CreateOpt, cmd: Command) => {
      if (!opt.user && opt.name === undefined) {
        cmd.error("error: required option '--name <name>' not specified (only a personal client, --user, may leave it out)");
      }
      await withCore(async (core) => {
        const tenant = await tenantOf(core, opt);
        if (opt.user) {
          const user = await findUser(core, tenant.id, opt.user);
          if (user.status !== 'ENABLED')
            throw failedPrecondition(`user ${opt.user} is ${user.status}: its clients would get no tokens`);
          const made = await core.services.clients.createPersonal(tenant, user.id, opt.name ?? DEFAULT_PERSONAL_NAME);
          print({ clientId: made.clientId, clientSecret: made.clientSecret, id: made.row.credentialId, user: user.email });
        } else {
          print(await core.services.clients.create(tenant, opt.name as string, opt.role));
        }
        for (const note of clientNotes(core.config, tenant.domain, runsServer)) io.err(`${note}\n`);
      });
    });
  clients
    .command('list')
    .description("list clients of the tenant: a personal client's `user` is its user's email, its role `personal`")
    .addOption(kit.tenantOption())
    .action(async (opt: { tenant?: string }) =>
      withCore(async (core) => print(await core.services.clients.list((await tenantOf(core, opt)).id))),
    );
  clients
    .command('revoke <clientId>')
    .description('revoke a client: no new tokens; those it has stop working within GATEHOUSE_CLIENT_CACHE_SECONDS (default 30 s)')
    .addOption(kit.tenantOption())
    .action(async (clientId: string, opt: { tenant?: string }) =>
      withCore(async (core) => print(await core.services.clients.revoke((await tenantOf(core, opt)).id, clientId))),
    );
}
