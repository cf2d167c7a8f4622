// Shared by the CSV import suites: CSV files in a temporary folder, and an
// embedded (on-disk PGlite) database seeded through the core for real CLI runs.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { type Core, createCore } from '../../src/core.ts';
import { cleanEnv, type Env } from './proc.ts';

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

/** What a CLI run needs to use the embedded database in `dataDir` and the `localhost` tenant. */
export const embeddedEnv = (dataDir: string): Env => ({ GATEHOUSE_DATA_DIR: dataDir, GATEHOUSE_TENANT_DOMAIN: 'localhost' });

/** Opens the embedded database of `env` in this process, runs `fn`, and closes it again (one process at a time). */
export async function withCore<T>(env: Env, fn: (core: Core) => Promise<T>): Promise<T> {
  const core = await createCore(loadConfig(cleanEnv(env)));
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}

/** The default tenant, with dana@example.com and a manually managed app with a ROLE resource type. */
export async function seedCliApp(core: Core): Promise<{ tenantId: string; appId: string; typeId: string }> {
  const tenantId = (await core.services.tenants.getByDomain('localhost')).id;
  await core.services.users.create(tenantId, { email: 'dana@example.com', displayName: 'Dana' });
  const appId = (await core.services.apps.create(tenantId, { displayName: 'CLI app' })).id;
  const typeId = (await core.services.resourceTypes.create(tenantId, appId, { displayName: 'Roles', resourceType: 'ROLE' })).id;
  return { tenantId, appId, typeId };
}
