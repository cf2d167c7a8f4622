// bytea through the database driver both ways (src/db/index.ts gives PGlite Buffer's hex codec):
// every byte value, an empty value, and a megabyte, read back exactly.
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { backends, startServer } from '../helpers/server.ts';

describe.each(backends)('bytea on %s', (backend) => {
  it('round-trips any bytes, as a Uint8Array', async () => {
    const s = await startServer(backend);
    try {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      // A view into a larger buffer: only its own bytes are sent.
      const view = new Uint8Array(randomBytes(64).buffer, 8, 16);
      for (const bytes of [all, new Uint8Array(0), view, randomBytes(1 << 20)]) {
        const res = (await s.core.database.db.execute(
          sql`select ${bytes}::bytea as b, length(${bytes}::bytea) as n`,
        )) as unknown as { rows: { b: Uint8Array; n: number }[] };
        const row = res.rows[0];
        expect(row.b).toBeInstanceOf(Uint8Array);
        expect(Number(row.n)).toBe(bytes.byteLength);
        expect(Buffer.from(row.b).equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))).toBe(true);
      }
    } finally {
      await s.close();
    }
  });
});
