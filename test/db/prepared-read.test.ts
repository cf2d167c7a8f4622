// GET app's read straight through node-postgres (src/db/prepared-read.ts) answers exactly what
// Drizzle's prepared query answers: the same keys, the same decoded values (Dates, numbers,
// nulls, arrays), for an app with everything set and one with nothing.

import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { preparedSqlPerDb, readsThroughNodePg } from '../../src/db/prepared-read.ts';
import { getAppWithOwnerIds, selectAppWithOwners } from '../../src/modules/apps/store.ts';
import { backends, startServer } from '../helpers/server.ts';

describe.each(backends)('prepared reads on %s', (backend) => {
  it("GET app's row and owner ids are Drizzle's, value for value", async () => {
    const s = await startServer(backend);
    try {
      const db = s.core.database.db;
      expect(readsThroughNodePg(db)).toBe(backend === 'postgres');
      const [u1, u2] = [await s.admin.user('a@example.com'), await s.admin.user('b@example.com')];
      const full = (
        await s.admin.post('/api/v1/apps', {
          displayName: 'Full',
          description: 'every field',
          monthlyCostUsd: 12,
          instructions: 'ask',
          owners: [u2.id, u1.id],
        })
      ).body.app;
      const bare = (await s.admin.post('/api/v1/apps', { displayName: 'Bare' })).body.app;
      const drizzle = selectAppWithOwners(db).prepare('test_app_with_owners');
      for (const app of [full, bare]) {
        const values = { tenantId: s.admin.tenant.id, id: app.id };
        const [expected] = await drizzle.execute(values);
        const got = await getAppWithOwnerIds(db, s.admin.tenant.id, app.id);
        expect(got).toStrictEqual(expected);
        expect(got?.app.createdAt).toBeInstanceOf(Date);
        expect(typeof got?.app.userCount).toBe('number');
      }
      const got = await getAppWithOwnerIds(db, s.admin.tenant.id, full.id);
      // Owners added together are ordered by id.
      expect(got?.ownerIds).toEqual([u1.id, u2.id].sort());
      expect(got?.app).toMatchObject({
        description: 'every field',
        monthlyCostUsd: 12,
        instructions: 'ask',
        grantPolicyId: null,
      });
      expect(await getAppWithOwnerIds(db, s.admin.tenant.id, 'nope')).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  it("a prepared raw statement answers the rows Drizzle's raw query does, placeholders filled, on every call", async () => {
    const s = await startServer(backend);
    try {
      const db = s.core.database.db;
      // The same columns, once with a placeholder (prepared) and once with the value inline (Drizzle's raw query).
      const columns = sql`'x'::text as t, '{a,b}'::text[] as a, null::text as z,
        '2026-01-02 03:04:05.678+00'::timestamptz as at, now() - now() as d`;
      const read = preparedSqlPerDb('test_raw_read', sql`select ${sql.placeholder('n')}::int + 1 as n, ${columns}`);
      for (const n of [1, 2, 3, 4, 5, 6, 7]) {
        const drizzleRows = ((await db.execute(sql`select ${n}::int + 1 as n, ${columns}`)) as unknown as { rows: unknown[] })
          .rows;
        expect(await read(db, { n })).toStrictEqual(drizzleRows);
      }
    } finally {
      await s.close();
    }
  });
});
