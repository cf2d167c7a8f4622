// `gatehouse import users` (also `gatehouse users import`): identity users from CSV,
// set-based (a batch of rows per statement) in one transaction with their managers.
import type { Core } from '../core.ts';
import type { ImportRow } from '../modules/users/import.ts';
import { ImportRefused } from '../modules/users/import.ts';
import type { UserInput } from '../modules/users/service.ts';
import { FileRefused, type ImportSummary, importCsv } from './csv.ts';
import { roleIdsOf } from './roles.ts';

const TEXT = ['username', 'department', 'jobTitle', 'employmentStatus', 'employmentType'] as const;
export const USER_COLUMNS = { required: ['email', 'displayName'], optional: [...TEXT, 'managerEmail', 'roles'] };

/** A cell of several values separated by ';' (empties dropped); undefined for an empty cell (keep the stored value). */
const listCell = (cell: string | undefined) => {
  const values = cell
    ?.split(';')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return values?.length ? values : undefined;
};

/** The service row of a CSV row; an unknown role rejects the row. */
function toRow(row: Record<string, string>, line: number): ImportRow {
  const input: UserInput = { email: row.email, displayName: row.displayName };
  for (const f of TEXT) input[f] = row[f] || undefined;
  const roles = listCell(row.roles);
  if (roles) input.roleIds = roleIdsOf('roles', roles);
  // The same manager twice (in any case) is one manager.
  const managers = listCell(row.managerEmail)?.filter(
    (e, i, all) => all.findIndex((x) => x.toLowerCase() === e.toLowerCase()) === i,
  );
  return { line, input, managerEmails: managers };
}

/**
 * `gatehouse users import`: idempotent by email; an empty optional cell keeps the stored value; a row
 * equal to the stored user is "unchanged" and writes nothing. Managers may be named before their own
 * row; a manager who is nobody, or a cycle in the manager chain, refuses the file (nothing written).
 */
export function importUsersCsv(
  core: Core,
  tenantId: string,
  file: string,
  progress?: (m: string) => void,
  progressEvery?: number,
): Promise<ImportSummary> {
  const importer = core.services.users.importer(tenantId);
  const applyBatch = async (rows: { row: Record<string, string>; line: number }[]) => {
    const out: (Awaited<ReturnType<typeof importer.applyMany>>[number] | Error)[] = new Array(rows.length);
    const good: { at: number; row: ImportRow }[] = [];
    rows.forEach(({ row, line }, at) => {
      try {
        good.push({ at, row: toRow(row, line) });
      } catch (err) {
        out[at] = err as Error;
      }
    });
    const results = await importer.applyMany(good.map((g) => g.row));
    good.forEach(({ at }, i) => {
      out[at] = results[i];
    });
    return out;
  };
  return importCsv(file, {
    ...USER_COLUMNS,
    progress,
    progressEvery,
    apply: async (row, line) => {
      const [r] = await applyBatch([{ row, line }]);
      if (r instanceof Error) throw r;
      return r;
    },
    applyBatch,
    session: async (write) => {
      try {
        await importer.run(write);
      } catch (err) {
        throw err instanceof ImportRefused ? new FileRefused(err.errors) : err;
      }
    },
  });
}
