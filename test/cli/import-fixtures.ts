// Shared by the CSV import suites: CSV files in a temporary folder, and a tenant
// seeded through the core for the CLI command runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import type { Core } from '../../src/core.ts';

/** CSV files written into a temporary folder that is removed after the suite. */
export function csvFiles(tag: string): { dir: string; csv(lines: string[]): string } {
  const dir = mkdtempSync(path.join(tmpdir(), tag));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return {
    dir,
    csv: (lines) => {
      const file = path.join(dir, `f${++n}.csv`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      return file;
    },
  };
}

/** A tenant with dana@example.com and a manually managed app with a ROLE resource type. */
export async function seedCliApp(core: Core, tenantId: string): Promise<{ tenantId: string; appId: string; typeId: string }> {
  await core.services.users.create(tenantId, { email: 'dana@example.com', displayName: 'Dana' });
  const appId = (await core.services.apps.create(tenantId, { displayName: 'CLI app' })).id;
  const typeId = (await core.services.resourceTypes.create(tenantId, appId, { displayName: 'Roles', resourceType: 'ROLE' })).id;
  return { tenantId, appId, typeId };
}
