// executeNamed (src/db/sql-helpers.ts): a hot statement runs as a prepared statement on
// PostgreSQL (parsed once per connection, its plan cacheable), with new values each call;
// PGlite runs it like any statement.
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { executeNamed } from '../../src/db/sql-helpers.ts';
import { backends, startServer } from '../helpers/server.ts';

type Rows<T> = { rows: T[] };

describe.each(backends)('executeNamed on %s', (backend) => {
  it('answers each call with its own values; on PostgreSQL the connection keeps the statement', async () => {
    const s = await startServer(backend);
    try {
      await s.core.database.db.transaction(async (tx) => {
        const query = (n: number) => sql`select ${n}::int * 2 as doubled, ${`v${n}`}::text as label`;
        for (const n of [1, 2, 3, 4, 5, 6, 7]) {
          const res = (await executeNamed(tx, 'gatehouse_test_named', query(n))) as Rows<{ doubled: number; label: string }>;
          expect(res.rows).toEqual([{ doubled: n * 2, label: `v${n}` }]);
        }
        if (backend !== 'postgres') return;
        // The same connection (a transaction's): the statement was prepared there, once.
        const held = (await tx.execute(
          sql`select name, statement from pg_prepared_statements where name = 'gatehouse_test_named'`,
        )) as unknown as Rows<{ name: string; statement: string }>;
        expect(held.rows).toHaveLength(1);
        expect(held.rows[0].statement).toContain('as doubled');
      });
    } finally {
      await s.close();
    }
  });
});
