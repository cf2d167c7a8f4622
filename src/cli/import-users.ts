// `gatehouse import users` (also `gatehouse users import`): identity users from CSV.
import type { Core } from '../core.ts';
import { checkUserInput, type UserInput } from '../modules/users/service.ts';
import { type ImportSummary, importCsv } from './csv.ts';

const OPTIONAL = ['username', 'department', 'jobTitle', 'employmentStatus'] as const;

/** `gatehouse users import`: idempotent by email; a row equal to the stored user is "unchanged" and writes nothing. */
export function importUsersCsv(
  core: Core,
  tenantId: string,
  file: string,
  progress?: (m: string) => void,
): Promise<ImportSummary> {
  const users = core.services.users;
  return importCsv(file, {
    required: ['email', 'displayName'],
    optional: [...OPTIONAL],
    progress,
    apply: async (row) => {
      const input: UserInput = { email: row.email, displayName: row.displayName };
      for (const f of OPTIONAL) input[f] = row[f] || undefined;
      const v = checkUserInput(input);
      const existing = await users.findByEmail(tenantId, v.email);
      // An empty optional cell keeps the stored value (as upsertByEmail does).
      if (
        existing &&
        existing.displayName === v.displayName &&
        OPTIONAL.every((f) => v[f] === undefined || v[f] === existing[f])
      ) {
        return 'unchanged';
      }
      const { created } = await users.upsertByEmail(tenantId, input);
      return created ? 'created' : 'updated';
    },
  });
}
