// `gatehouse import resources`: a custom app's resources from a flat file, idempotent on
// matchBatonId, or on the display name within the type for rows without one.
import type { Command } from 'commander';
import type { Core } from '../core.ts';
import type { ResourceUpsert } from '../modules/resources/service.ts';
import { type ImportSummary, importCsv, importExitCode } from './csv.ts';
import type { CliKit } from './import.ts';
import { naming } from './output.ts';

export const RESOURCE_COLUMNS = { required: ['displayName'], optional: ['description', 'matchBatonId', 'ownerEmails'] };

export async function importResourcesCsv(
  core: Core,
  tenantId: string,
  appId: string,
  resourceTypeId: string,
  file: string,
  progress?: (line: string) => void,
  progressEvery?: number,
): Promise<ImportSummary> {
  // Checks the app and type before reading a single row.
  // Rows without matchBatonId are matched by display name: a second run of the same file creates nothing.
  const upserter = await core.services.resources.upserter(tenantId, appId, resourceTypeId, { matchByName: true });
  const toInput = (row: Record<string, string>): ResourceUpsert => ({
    displayName: row.displayName,
    description: row.description,
    matchBatonId: row.matchBatonId || undefined,
    ownerEmails: row.ownerEmails === undefined ? undefined : row.ownerEmails.split(';'),
  });
  return importCsv(file, {
    ...RESOURCE_COLUMNS,
    progress,
    progressEvery,
    apply: async (row) => (await upserter.apply(toInput(row))).outcome,
    // Many rows per statement: what makes 100,000-row files quick on the embedded database.
    applyBatch: async (rows) =>
      (await upserter.applyMany(rows.map(({ row }) => toInput(row)))).map((r) => (r instanceof Error ? r : r.outcome)),
  });
}

export function addImportResourcesCommand(cmd: Command, kit: CliKit): void {
  cmd
    .command('resources <file>')
    .description(
      'import resources of a manually managed app from CSV (displayName[,description,matchBatonId,ownerEmails]; ' +
        "owner emails separated by ';'); idempotent on matchBatonId, or on displayName for rows without one",
    )
    .requiredOption('--app <id>', 'app id')
    .requiredOption('--resource-type <id>', 'resource type id (of that app)')
    .addOption(kit.tenantOption())
    .action(async (file: string, opt: { app: string; resourceType: string; tenant?: string }) =>
      kit.withCore(async (core) => {
        const tenant = await kit.tenantOf(core, opt);
        const summary = await naming({ app: opt.app, 'app resource type': opt.resourceType }, () =>
          importResourcesCsv(core, tenant.id, opt.app, opt.resourceType, file, kit.progress),
        );
        kit.print(summary);
        kit.setExitCode(importExitCode(summary));
      }),
    );
}
