// The `gatehouse` commander program. The same program runs in the CLI process
// (database opened directly) and inside a server that forwarded the command to
// it (the server's own database); the CliKit hides which.

import { userInfo } from 'node:os';
import { Command, CommanderError, Help, Option } from 'commander';
import { ConfigError } from '../config.ts';
import type { Core } from '../core.ts';
import { cliOperation, currentActivity, runActivity } from '../lib/activity.ts';
import { ApiError } from '../lib/errors.ts';
import { VERSION } from '../version.ts';
import type { CliIo } from './admin.ts';
import { addAuditCommands } from './audit.ts';
import { addClientCommands } from './client-commands.ts';
import { type CliKit, importUsersAction, registerImportCommands } from './import.ts';
import { addKeyCommands } from './key-commands.ts';
import { LockError } from './lock.ts';
import { formatTable } from './output.ts';
import { addReadCommands } from './read-commands.ts';
import { addSyncCommand } from './sync.ts';
import { registerTlsCommands } from './tls.ts';
import { addUserCommands, addUserCreateCommand } from './user-commands.ts';

export { VERSION } from '../version.ts';

/** Commands that only make sense in the CLI's own process (never forwarded to a server). */
export type Lifecycle = {
  serve(): Promise<void>;
  migrate(print: (v: unknown) => void): Promise<void>;
  tlsInit(opt: { force?: boolean }): Promise<void>;
};

const tenantOption = () => new Option('--tenant <domain>', 'tenant domain (default: GATEHOUSE_TENANT_DOMAIN or localhost)');
/** The command's tenant; the command's activity (system log) acts in it from then on. */
const tenantOf = async (core: Core, opt: { tenant?: string }) => {
  const tenant = await core.services.tenants.getByDomain(opt.tenant ?? core.config.tenantDomain);
  const activity = currentActivity();
  if (activity) activity.tenantId = tenant.id;
  return tenant;
};

function buildProgram(kit: CliKit, io: CliIo, lifecycle?: Lifecycle): Command {
  const { withCore, print } = kit;
  // Set before any subcommand is added: subcommands inherit these settings.
  const program = new Command('gatehouse')
    .description('Gatehouse: a self-hosted server speaking the C1 API')
    .exitOverride()
    .version(VERSION, '-V, --version', 'print the version')
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (s, write) => write(s) })
    .configureHelp({
      // Commander lists required options like the others.
      optionDescription: (opt) => `${new Help().optionDescription(opt)}${opt.mandatory ? ' (required)' : ''}`,
    })
    .showHelpAfterError();

  if (lifecycle) {
    program
      .command('serve')
      .description('start the HTTP server (PORT, DATABASE_URL, ... from the environment)')
      .action(() => lifecycle.serve());
    program
      .command('migrate')
      .description('apply pending database migrations and exit')
      .action(() => lifecycle.migrate(print));
    registerTlsCommands(program, (opt) => lifecycle.tlsInit(opt));
  }

  const tenants = program.command('tenants').description('manage tenants');
  tenants
    .command('create <domain>')
    .description('create a tenant reached at <domain> (a host name, without a port)')
    .action(async (domain: string) => withCore(async (core) => print(await core.services.tenants.create(domain))));
  tenants
    .command('list')
    .description('list tenants')
    .action(async () => withCore(async (core) => print(await core.services.tenants.list())));

  addClientCommands(program.command('clients').description('manage API clients (credentials)'), kit, io, lifecycle !== undefined);

  const users = program.command('users').description('manage identity users');
  addUserCreateCommand(users, kit);
  users
    .command('import <file>')
    .description('the same as `gatehouse import users <file>`')
    .addOption(tenantOption())
    .action(importUsersAction(kit));
  addUserCommands(users, kit);

  registerImportCommands(program, kit);
  addSyncCommand(program, kit);
  addReadCommands(program, kit);
  addKeyCommands(program, kit);
  addAuditCommands(program, kit, io.out);
  return program;
}

function osUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/** `error`: an unexpected failure (not a refusal), worth logging with its stack. */
export type RunResult = { code: number; command: string; error?: Error };

/**
 * Runs one command line; never exits the process nor writes outside `io`.
 * Exit codes: 0 ok, 1 usage error or partial failure (e.g. rejected rows), 2 refused (API/config/lock error).
 */
export async function runProgram(
  argv: string[],
  withCore: CliKit['withCore'],
  io: CliIo,
  lifecycle?: Lifecycle,
): Promise<RunResult> {
  let code = 0;
  let command = '';
  const kit: CliKit = {
    // Each command runs as one activity of the CLI (system log): `gatehouse.Import.Users`, as the OS user.
    withCore: (fn) =>
      withCore((core) =>
        runActivity({ actor: { kind: 'cli', name: osUser() }, operation: cliOperation(command) }, () => fn(core)),
      ),
    tenantOption,
    tenantOf,
    print: (v) => io.out(`${JSON.stringify(v, null, 2)}\n`),
    list: (rows, opt, columns) => {
      if (io.isTTY && !opt.json) io.out(rows.length ? formatTable(rows, columns) : '(none)\n');
      else io.out(`${JSON.stringify(rows, null, 2)}\n`);
    },
    progress: (line) => io.err(`${line}\n`),
    setExitCode: (c) => {
      code = c;
    },
  };
  const program = buildProgram(kit, io, lifecycle);
  program.hook('preAction', (_root, action) => {
    const names: string[] = [];
    for (let c: Command | null = action; c?.parent; c = c.parent) names.unshift(c.name());
    command = names.join(' ');
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return { code, command };
  } catch (err) {
    if (err instanceof CommanderError) return { code: err.exitCode, command };
    io.err(`error: ${(err as Error).message ?? err}\n`);
    const refused = err instanceof ApiError || err instanceof ConfigError || err instanceof LockError;
    return refused ? { code: 2, command } : { code: 1, command, error: err as Error };
  }
}
