// `gatehouse users create|list|get|update|disable|enable`: identity users, through the users service.
import { type Command, Option } from 'commander';
import type { Core } from '../core.ts';
import { ApiError, Code } from '../lib/errors.ts';
import { roleById } from '../modules/roles/builtin.ts';
import type { User } from '../modules/users/schemas.ts';
import type { UserInput } from '../modules/users/service.ts';
import type { CliKit } from './import.ts';
import { allPages, naming } from './output.ts';
import { jsonOption } from './read-commands.ts';
import { roleIdsOf } from './roles.ts';

type TenantOpt = { tenant?: string };

/** The options create and update share (commander's camelCase names). */
type FieldOpts = {
  username?: string;
  department?: string;
  jobTitle?: string;
  employmentType?: string;
  employmentStatus?: string;
  employeeId?: string[];
  manager?: string[];
  delegate?: string;
  role?: string[];
};

const repeat = (value: string, previous: string[] = []) => [...previous, value];

/** Adds the User fields that `users create` and `users update` both take. */
function fieldOptions(cmd: Command): Command {
  return cmd
    .option('--username <username>', 'username')
    .option('--department <department>', 'department')
    .option('--job-title <title>', 'job title')
    .option('--employment-type <type>', 'employment type (free text, e.g. full-time, contractor)')
    .option('--employment-status <status>', 'employment status (free text, e.g. active, on leave)')
    .option('--employee-id <id>', 'an employee id (repeat for several)', repeat)
    .option('--manager <email>', "a manager's email or user id (repeat for several, kept in order)", repeat)
    .option('--delegate <email>', 'email or user id of the user who acts for this one while away')
    .option('--role <name>', 'a role: id, name, key or display name (repeat for several; Basic User is always kept)', repeat);
}

/** A repeatable option's values, '' dropped: a lone '' gives [] (clears the list). */
const valuesOf = (list: string[] | undefined) => list?.filter((v) => v.trim() !== '');

/** The service input of the shared options: emails resolved to user ids, role names to role ids. */
async function fieldsOf(core: Core, tenantId: string, opt: FieldOpts): Promise<Partial<UserInput>> {
  const { employeeId, manager, delegate, role, ...text } = opt;
  const idOf = async (flag: string, who: string) => {
    try {
      return (await findUser(core, tenantId, who)).id;
    } catch (err) {
      if (err instanceof ApiError && err.code === Code.NOT_FOUND) {
        throw new ApiError(Code.INVALID_ARGUMENT, `${flag}: no user ${who} in the tenant`);
      }
      throw err;
    }
  };
  const managers = valuesOf(manager);
  return {
    ...text,
    employeeIds: valuesOf(employeeId),
    managerIds: managers && (await Promise.all(managers.map((m) => idOf('--manager', m.trim())))),
    delegatedUserId: delegate?.trim() ? await idOf('--delegate', delegate.trim()) : delegate,
    roleIds: role && roleIdsOf('--role', valuesOf(role) ?? []),
  };
}

/** A user by id, or by email when the argument has an @. */
export async function findUser(core: Core, tenantId: string, idOrEmail: string): Promise<User> {
  if (!idOrEmail.includes('@')) return naming({ user: idOrEmail }, () => core.services.users.get(tenantId, idOrEmail));
  const user = await core.services.users.findByEmail(tenantId, idOrEmail.trim());
  if (!user) throw new ApiError(Code.NOT_FOUND, `user ${idOrEmail} not found`);
  return user;
}

/** `users create`, added before `users import` (see program.ts). */
export function addUserCreateCommand(users: Command, kit: CliKit): void {
  fieldOptions(
    users
      .command('create')
      .description('create a user; prints it as JSON')
      .requiredOption('--email <email>', 'email address')
      .requiredOption('--display-name <name>', 'display name'),
  )
    .addOption(kit.tenantOption())
    .action(async (opt: TenantOpt & FieldOpts & { email: string; displayName: string }) =>
      kit.withCore(async (core) => {
        const { tenant, email, displayName, ...fields } = opt;
        const t = (await kit.tenantOf(core, { tenant })).id;
        kit.print(await core.services.users.create(t, { email, displayName, ...(await fieldsOf(core, t, fields)) }));
      }),
    );
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
          ['ROLES', (u) => u.roleIds.map((id) => roleById.get(id)?.key ?? id).join(',')],
        ]);
      }),
    );

  users
    .command('get <idOrEmail>')
    .description('print one user (by id or email) as JSON: the whole User')
    .addOption(kit.tenantOption())
    .action(async (idOrEmail: string, opt: TenantOpt) =>
      withCore(async (core) => kit.print(await findUser(core, (await tenantOf(core, opt)).id, idOrEmail))),
    );

  fieldOptions(
    users
      .command('update <idOrEmail>')
      .description(
        "change a user's fields; an empty value ('') clears an optional field or list; --manager, --employee-id " +
          'and --role replace the whole list (Basic User is always kept)',
      )
      .option('--email <email>', 'new email address')
      .option('--display-name <name>', 'display name'),
  )
    .addOption(kit.tenantOption())
    .action(async (idOrEmail: string, opt: TenantOpt & FieldOpts & { email?: string; displayName?: string }) =>
      withCore(async (core) => {
        const { tenant, email, displayName, ...fields } = opt;
        if ([email, displayName, ...Object.values(fields)].every((v) => v === undefined)) {
          throw new ApiError(Code.INVALID_ARGUMENT, `users update ${idOrEmail}: give at least one field to change`);
        }
        const t = (await tenantOf(core, { tenant })).id;
        const user = await findUser(core, t, idOrEmail);
        const patch = { email, displayName, ...(await fieldsOf(core, t, fields)) };
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
