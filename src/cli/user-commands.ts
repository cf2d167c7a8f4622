// `gatehouse users list|get|update|disable|enable`: identity users, through the users service.
import { type Command, Option } from 'commander';
import type { Core } from '../core.ts';
import { ApiError, Code } from '../lib/errors.ts';
import type { User } from '../modules/users/schemas.ts';
import type { UserInput } from '../modules/users/service.ts';
import type { CliKit } from './import.ts';
import { allPages, naming } from './output.ts';
import { jsonOption } from './read-commands.ts';

type TenantOpt = { tenant?: string };

/** A user by id, or by email when the argument has an @. */
export async function findUser(core: Core, tenantId: string, idOrEmail: string): Promise<User> {
  if (!idOrEmail.includes('@')) return naming({ user: idOrEmail }, () => core.services.users.get(tenantId, idOrEmail));
  const user = await core.services.users.findByEmail(tenantId, idOrEmail.trim());
  if (!user) throw new ApiError(Code.NOT_FOUND, `user ${idOrEmail} not found`);
  return user;
}

export function addUserCommands(users: Command, kit: CliKit): void {
  const { withCore, tenantOf } = kit;

  users
    .command('list')
    .description('list the users of the tenant')
    .option('--query <text>', 'only users whose email, name or username contains this')
    .addOption(new Option('--status <status>', 'only users with this status').choices(['ENABLED', 'DISABLED']))
    .addOption(jsonOption())
    .addOption(kit.tenantOption())
    .action(async (opt: TenantOpt & { query?: string; status?: string; json?: boolean }) =>
      withCore(async (core) => {
        const t = (await tenantOf(core, opt)).id;
        const filter = { query: opt.query, statuses: opt.status ? [opt.status] : undefined };
        const list = await allPages((page) => core.services.users.search(t, filter, page));
        kit.list<User>(list, opt, [
          ['ID', (u) => u.id],
          ['EMAIL', (u) => u.email],
          ['NAME', (u) => u.displayName],
          ['STATUS', (u) => u.status],
        ]);
      }),
    );

  users
    .command('get <idOrEmail>')
    .description('print one user (by id or email) as JSON')
    .addOption(kit.tenantOption())
    .action(async (idOrEmail: string, opt: TenantOpt) =>
      withCore(async (core) => kit.print(await findUser(core, (await tenantOf(core, opt)).id, idOrEmail))),
    );

  users
    .command('update <idOrEmail>')
    .description("change a user's fields; an empty value ('') clears an optional field")
    .option('--email <email>', 'new email address')
    .option('--display-name <name>', 'display name')
    .option('--username <username>', 'username')
    .option('--department <department>', 'department')
    .option('--job-title <title>', 'job title')
    .option('--employment-status <status>', 'employment status')
    .addOption(kit.tenantOption())
    .action(async (idOrEmail: string, opt: TenantOpt & Partial<UserInput>) =>
      withCore(async (core) => {
        const { tenant, ...patch } = opt;
        if (Object.values(patch).every((v) => v === undefined)) {
          throw new ApiError(Code.INVALID_ARGUMENT, `users update ${idOrEmail}: give at least one field to change`);
        }
        const t = (await tenantOf(core, { tenant })).id;
        const user = await findUser(core, t, idOrEmail);
        kit.print(await naming({ user: user.id }, () => core.services.users.update(t, user.id, patch)));
      }),
    );

  for (const [name, status, what] of [
    ['disable', 'DISABLED', 'disable a user (status DISABLED); its grants stay as they are'],
    ['enable', 'ENABLED', 'enable a disabled user again'],
  ] as const) {
    users
      .command(`${name} <idOrEmail>`)
      .description(what)
      .addOption(kit.tenantOption())
      .action(async (idOrEmail: string, opt: TenantOpt) =>
        withCore(async (core) => {
          const t = (await tenantOf(core, opt)).id;
          const user = await findUser(core, t, idOrEmail);
          kit.print(await naming({ user: user.id }, () => core.services.users.setStatus(t, user.id, status)));
        }),
      );
  }
}
