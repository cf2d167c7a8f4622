// `gatehouse import grants`: who holds which entitlement of a manual app, from a
// flat file (userEmail,entitlement[,expiresAt]); idempotent: a second run changes nothing.
import type { Command } from 'commander';
import type { Core } from '../core.ts';
import { type ImportSummary, importCsv, importExitCode } from './csv.ts';
import type { CliKit } from './import.ts';
import { naming } from './output.ts';

export const GRANT_COLUMNS = { required: ['userEmail', 'entitlement'], optional: ['expiresAt'] };

export async function importGrantsCsv(
  core: Core,
  tenantId: string,
  appId: string,
  file: string,
  progress?: (line: string) => void,
  progressEvery?: number,
): Promise<ImportSummary> {
  // Checks the app before reading a single row.
  await core.services.apps.requireManual(tenantId, appId);
  return importCsv(file, {
    ...GRANT_COLUMNS,
    progress,
    progressEvery,
    apply: (row) =>
      core.services.grants.importRow(tenantId, appId, {
        userEmail: row.userEmail,
        entitlement: row.entitlement,
        expiresAt: row.expiresAt,
      }),
  });
}

export function addImportGrantsCommand(cmd: Command, kit: CliKit): void {
  cmd
    .command('grants <file>')
    .description(
      'import grants of a manually managed app from CSV (userEmail,entitlement[,expiresAt]); entitlement is its id or ' +
        '"resourceDisplayName/slug"; expiresAt is RFC 3339; idempotent',
    )
    .requiredOption('--app <id>', 'app id')
    .addOption(kit.tenantOption())
    .action(async (file: string, opt: { app: string; tenant?: string }) =>
      kit.withCore(async (core) => {
        const tenant = await kit.tenantOf(core, opt);
        const summary = await naming({ app: opt.app }, () => importGrantsCsv(core, tenant.id, opt.app, file, kit.progress));
        kit.print(summary);
        kit.setExitCode(importExitCode(summary));
      }),
    );
}
