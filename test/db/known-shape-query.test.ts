// The hot reads' query (src/db/known-shape-query.ts) on a real PostgreSQL: the rows node-postgres's
// own Query gives, the row description asked for only until the statement's shape is known (also
// on a connection where the statement was never prepared), and errors (from the database, or a
// value that cannot be sent) failing the one query, not the pool.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KnownShapeQuery, runKnownShape, type Shape } from '../../src/db/known-shape-query.ts';

const url = process.env.TEST_DATABASE_URL;
const TEXT = `select $1::int + 1 as n, $2::text as t, '{a,b}'::text[] as a, null::text as z,
  '2026-01-02 03:04:05.678+00'::timestamptz as at`;

describe.skipIf(!url)('known-shape query on postgres', () => {
  let pool: pg.Pool;
  /** RowDescription messages received, per pooled connection. */
  const descriptions = new Map<pg.PoolClient, number>();
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on('connect', (client) => {
      descriptions.set(client, 0);
      const con = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
      con.on('rowDescription', () => descriptions.set(client, (descriptions.get(client) ?? 0) + 1));
    });
  });
  afterAll(() => pool.end());
  const run = (shape: Shape, values: unknown[], name = 'ksq_test') =>
    runKnownShape(pool, new KnownShapeQuery(name, TEXT, values, shape, pg.types));

  it("answers node-postgres's own rows, and asks for their description once per statement", async () => {
    const expected = await pool.query({ text: TEXT, values: [41, 'x'], rowMode: 'array' });
    const shape: Shape = {};
    const a = await pool.connect();
    const b = await pool.connect();
    let heldA: pg.PoolClient | undefined;
    try {
      // Only `a` free: the statement is prepared there, and its rows described.
      a.release();
      expect(await run(shape, [41, 'x'])).toStrictEqual(expected.rows);
      expect(shape.parsers).toHaveLength(5);
      expect(descriptions.get(a)).toBe(2);
      // Only `b` free: prepared there too, without asking for the description again.
      heldA = await pool.connect();
      expect(heldA).toBe(a);
      b.release();
      expect(await run(shape, [1, 'y'])).toStrictEqual([[2, 'y', ['a', 'b'], null, new Date('2026-01-02T03:04:05.678Z')]]);
      expect(descriptions.get(b)).toBe(0);
    } finally {
      heldA?.release();
    }
    for (let i = 0; i < 5; i++)
      expect(await run(shape, [i, 'z'])).toStrictEqual([[i + 1, 'z', ['a', 'b'], null, expect.any(Date)]]);
    expect(descriptions.get(a)).toBe(2);
    expect(descriptions.get(b)).toBe(0);
  });

  it("fails the one query with the database's error; the pool answers the next", async () => {
    const shape: Shape = {};
    await expect(run(shape, ['not a number', 'x'], 'ksq_err')).rejects.toThrow(/invalid input syntax for type integer/);
    expect(await run(shape, [1, 'x'], 'ksq_err')).toHaveLength(1);
    await expect(run(shape, ['nope', 'x'], 'ksq_err')).rejects.toThrow(/invalid input syntax/);
    expect((await run(shape, [2, 'x'], 'ksq_err'))[0][0]).toBe(3);
  });

  it('fails the one query when a value cannot be sent; the pool answers the next', async () => {
    const shape: Shape = {};
    const bad = {
      toPostgres: () => {
        throw new Error('cannot be sent');
      },
    };
    expect(await run(shape, [1, 'x'], 'ksq_bind')).toHaveLength(1);
    await expect(run(shape, [bad, 'x'], 'ksq_bind')).rejects.toThrow('cannot be sent');
    expect((await run(shape, [5, 'x'], 'ksq_bind'))[0][0]).toBe(6);
  });
});
