#!/usr/bin/env node
// CLI entry: serve, migrate, tenants, clients, users, import.
import { Command, Option } from 'commander';
import { registerImportCommands } from './cli/import.ts';
import { importUsersCsv } from './cli/import-users.ts';
import { ConfigError, loadConfig } from './config.ts';
import { type Core, createCore } from './core.ts';
import { ApiError } from './http/errors.ts';
import { serve } from './server.ts';

const print = (v: unknown): void => {
  process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
};

/** Runs `fn` with a core (database migrated) and closes it afterwards. */
export async function withCore<T>(fn: (core: Core) => Promise<T>): Promise<T> {
  const core = await createCore(loadConfig());
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}

const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};
const setExitCode = (code: number): void => {
  process.exitCode = code;
};

const tenantOption = () => new Option('--tenant <domain>', 'tenant domain (default: GATEHOUSE_TENANT_DOMAIN or localhost)');
const tenantOf = (core: Core, opt: { tenant?: string }) =>
  core.services.tenants.getByDomain(opt.tenant ?? core.config.tenantDomain);

export function buildCli(): Command {
  const program = new Command('gatehouse')
    .description('Gatehouse: a self-hosted server speaking the C1 API')
    .showHelpAfterError();

  program
    .command('serve')
    .description('start the HTTP server (PORT, DATABASE_URL, ... from the environment)')
    .action(async () => serve(loadConfig()));

  program
    .command('migrate')
    .description('apply pending database migrations and exit')
    .action(async () => {
      await withCore(async (core) => print({ migrated: core.database.location }));
    });

  const tenants = program.command('tenants').description('manage tenants');
  tenants
    .command('create <domain>')
    .description('create a tenant reached at <domain> (host name, optionally :port)')
    .action(async (domain: string) => withCore(async (core) => print(await core.services.tenants.create(domain))));
  tenants
    .command('list')
    .description('list tenants')
    .action(async () => withCore(async (core) => print(await core.services.tenants.list())));

  const clients = program.command('clients').description('manage API clients (credentials)');
  clients
    .command('create')
    .description('create a client; prints its id and secret (the only time the secret is shown)')
    .requiredOption('--name <name>', 'client name')
    .addOption(new Option('--role <role>', 'role').choices(['admin', 'read-only']).default('admin'))
    .addOption(tenantOption())
    .action(async (opt: { name: string; role: string; tenant?: string }) =>
      withCore(async (core) => print(await core.services.clients.create(await tenantOf(core, opt), opt.name, opt.role))),
    );
  clients
    .command('list')
    .description('list clients of the tenant')
    .addOption(tenantOption())
    .action(async (opt: { tenant?: string }) =>
      withCore(async (core) => print(await core.services.clients.list((await tenantOf(core, opt)).id))),
    );
  clients
    .command('revoke <clientId>')
    .description('revoke a client; its tokens stop working within 60 seconds')
    .addOption(tenantOption())
    .action(async (clientId: string, opt: { tenant?: string }) =>
      withCore(async (core) => print(await core.services.clients.revoke((await tenantOf(core, opt)).id, clientId))),
    );

  const users = program.command('users').description('manage identity users');
  users
    .command('create')
    .description('create a user; prints it as JSON')
    .requiredOption('--email <email>', 'email address')
    .requiredOption('--display-name <name>', 'display name')
    .option('--username <username>', 'username')
    .addOption(tenantOption())
    .action(async (opt: { email: string; displayName: string; username?: string; tenant?: string }) =>
      withCore(async (core) => {
        const tenant = await tenantOf(core, opt);
        print(await core.services.users.create(tenant.id, opt));
      }),
    );
  users
    .command('import <file>')
    .description('import users from CSV (email,displayName[,username,department,jobTitle,employmentStatus]); idempotent by email')
    .addOption(tenantOption())
    .action(async (file: string, opt: { tenant?: string }) =>
      withCore(async (core) => {
        const tenant = await tenantOf(core, opt);
        const summary = await importUsersCsv(core, tenant.id, file, progress);
        print(summary);
        if (summary.rejected > 0) setExitCode(1);
      }),
    );

  registerImportCommands(program, { withCore, tenantOption, tenantOf, print, progress, setExitCode });
  return program;
}

async function main(): Promise<void> {
  try {
    await buildCli().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof ApiError || err instanceof ConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

await main();
