import type { Core } from '../core.ts';
import { type ImportSummary, importCsv } from './csv.ts';

/** `gatehouse users import`: idempotent by email. */
export function importUsersCsv(
  core: Core,
  tenantId: string,
  file: string,
  progress?: (m: string) => void,
): Promise<ImportSummary> {
  return importCsv(file, {
    required: ['email', 'displayName'],
    optional: ['username', 'department', 'jobTitle', 'employmentStatus'],
    progress,
    apply: async (row) => {
      const { created } = await core.services.users.upsertByEmail(tenantId, {
        email: row.email,
        displayName: row.displayName,
        username: row.username || undefined,
        department: row.department || undefined,
        jobTitle: row.jobTitle || undefined,
        employmentStatus: row.employmentStatus || undefined,
      });
      return created ? 'created' : 'updated';
    },
  });
}
