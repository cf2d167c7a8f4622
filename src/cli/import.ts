// `gatehouse import <kind>`: flat-file imports of app data.
import type { Command, Option } from 'commander';
import type { Core } from '../core.ts';
import type { Tenant } from '../modules/tenants/service.ts';
import { addImportGrantsCommand } from './import-grants.ts';
import { addImportResourcesCommand } from './import-resources.ts';

export type CliKit = {
  withCore: <T>(fn: (core: Core) => Promise<T>) => Promise<T>;
  tenantOption: () => Option;
  tenantOf: (core: Core, opt: { tenant?: string }) => Promise<Tenant>;
  /** The command's result (JSON on stdout). Commands never write to process.stdout/stderr directly. */
  print: (v: unknown) => void;
  /** A progress or diagnostic line (stderr). */
  progress: (line: string) => void;
  /** E.g. 1 when an import rejected rows. */
  setExitCode: (code: number) => void;
};

/** Each import kind adds its subcommand here. */
const importers: Array<(cmd: Command, kit: CliKit) => void> = [addImportResourcesCommand, addImportGrantsCommand];

export function registerImportCommands(program: Command, kit: CliKit): void {
  const cmd = program.command('import').description('import app data from CSV files');
  for (const add of importers) add(cmd, kit);
}
