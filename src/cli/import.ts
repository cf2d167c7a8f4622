// `gatehouse import <kind>`: flat-file imports of app data.
import type { Command, Option } from 'commander';
import type { Core } from '../core.ts';
import type { Tenant } from '../modules/tenants/service.ts';
import { importExitCode } from './csv.ts';
import { addImportGrantsCommand } from './import-grants.ts';
import { addImportResourcesCommand } from './import-resources.ts';
import type { Column } from './output.ts';

export type CliKit = {
  withCore: <T>(fn: (core: Core) => Promise<T>) => Promise<T>;
  tenantOption: () => Option;
  tenantOf: (core: Core, opt: { tenant?: string }) => Promise<Tenant>;
  /** The command's result (JSON on stdout). Commands never write to process.stdout/stderr directly. */
  print: (v: unknown) => void;
  /** A list: a table of `columns` on a terminal, else (or with --json) the rows as JSON. */
  list: <T>(rows: T[], opt: { json?: boolean }, columns: Column<T>[]) => void;
  /** A progress or diagnostic line (stderr). */
  progress: (line: string) => void;
  /** E.g. 1 when an import rejected rows. */
  setExitCode: (code: number) => void;
};

/** Each import kind adds its subcommand here. */
const importers: Array<(cmd: Command, kit: CliKit) => void> = [
  addImportUsersCommand,
  addImportResourcesCommand,
  addImportGrantsCommand,
];

export function registerImportCommands(program: Command, kit: CliKit): void {
  const cmd = program.command('import').description('import app data from CSV files');
  for (const add of importers) add(cmd, kit);
}

/** The action of `import users` and `users import`. The importer loads on use: help needs no database code. */
export const importUsersAction =
  (kit: CliKit) =>
  async (file: string, opt: { tenant?: string }): Promise<void> =>
    kit.withCore(async (core) => {
      const tenant = await kit.tenantOf(core, opt);
      const { importUsersCsv } = await import('./import-users.ts');
      const summary = await importUsersCsv(core, tenant.id, file, kit.progress);
      kit.print(summary);
      kit.setExitCode(importExitCode(summary));
    });

function addImportUsersCommand(cmd: Command, kit: CliKit): void {
  cmd
    .command('users <file>')
    .description(
      'import users from CSV (email,displayName[,username,department,jobTitle,employmentStatus,employmentType,' +
        "managerEmail,roles]; several managers or roles separated by ';'); idempotent by email",
    )
    .addOption(kit.tenantOption())
    .action(importUsersAction(kit));
}
