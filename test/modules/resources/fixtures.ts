// Shared setup for the resource suites: an app with a type, and SQL counts.
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { Caller, TestServer } from '../../helpers/server.ts';

export const MISSING = '3MV7rbPadu5c0uz5o5J9hkjTlUF';

export async function appWithType(c: Caller, resourceType = 'GROUP') {
  const app = (await c.post('/api/v1/apps', { displayName: 'Custom app' })).body.app;
  const res = await c.post(`/api/v1/apps/${app.id}/resource_types`, { displayName: 'Things', resourceType });
  expect(res.status).toBe(200);
  const type = res.body.appResourceType;
  return { app, type, path: `/api/v1/apps/${app.id}/resource_types/${type.id}/resources` };
}

export async function countRows(s: TestServer, table: string, where: ReturnType<typeof sql>): Promise<number> {
  const res = await s.core.database.db.execute(sql`select count(*)::int as n from ${sql.identifier(table)} where ${where}`);
  return Number(rowsOf<{ n: number }>(res)[0].n);
}

/** The rows of a raw `db.execute` result (typed `unknown` across both drivers). */
export function rowsOf<T>(res: unknown): T[] {
  return (res as { rows: T[] }).rows;
}
