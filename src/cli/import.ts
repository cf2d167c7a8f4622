// `gatehouse import <kind>`: flat-file imports of app data.
import type { Command, Option } from 'commander';
import type { Core } from '../core.ts';
import type { Tenant } from '../modules/tenants/service.ts';

export type CliKit = {
  withCore: <T>(fn: (core: Core) => Promise<T>) => Promise<T>;
  tenantOption: () => Option;
  tenantOf: (core: Core, opt: { tenant?: string }) => Promise<Tenant>;
  print: (v: unknown) => void;
};

/** Each import kind adds its subcommand here. */
const importers: Array<(cmd: Command, kit: CliKit) => void> = [];

export function registerImportCommands(program: Command, kit: CliKit): void {
  const cmd = program.command('import').description('import app data from CSV files');
  for (const add of importers) add(cmd, kit);
}
