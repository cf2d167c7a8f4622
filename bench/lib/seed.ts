// Seeding: a Gatehouse core opened in the bench process itself (the server is
// stopped meanwhile when the database is the embedded one). The few objects a
// scenario hangs off (apps, resource types, entitlements) are made through the
// real routes with Fastify's inject; bulk rows go in through SQL.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import KSUID from 'ksuid';
import pg from 'pg';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { type Core, createCore } from '../../src/core.ts';
import type { Api } from '../../src/http/types.ts';
import { parseClientSecret } from '../../src/modules/clients/secret.ts';

export type Backend = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };

/**
 * The bench's database: a fresh PostgreSQL database under BENCH_DATABASE_URL (`drop` removes
 * it), else an embedded one in a data directory under `tmp`.
 */
export async function benchDatabase(tmp: string): Promise<{ backend: Backend; detail: string; drop?: () => Promise<void> }> {
  const base = process.env.BENCH_DATABASE_URL;
  if (!base) {
    const dataDir = path.join(tmp, 'db');
    return { backend: { kind: 'pglite', dataDir }, detail: `embedded, data dir ${dataDir}` };
  }
  const name = `gh_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const version = (await admin.query('show server_version')).rows[0].server_version as string;
  await admin.query(`create database ${name}`);
  await admin.end();
  const drop = async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  };
  const u = new URL(base);
  u.pathname = `/${name}`;
  return {
    backend: { kind: 'postgres', url: u.toString() },
    detail: `PostgreSQL ${version} at ${u.host}, fresh database ${name}`,
    drop,
  };
}

export const serverEnv = (b: Backend): Record<string, string> =>
  b.kind === 'postgres' ? { DATABASE_URL: b.url } : { DATABASE_URL: '', GATEHOUSE_DATA_DIR: b.dataDir };

/** A client's credentials and a token for it (tokens are signed with the key stored in the database). */
export type Credentials = { clientId: string; x: string; d: string; token: string };

export type Seeder = {
  core: Core;
  app: Api;
  creds: Credentials;
  /** One call to the real route; throws unless it answers 200. */
  api<T = unknown>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
};

export async function openSeeder(b: Backend, tenantDomain = 'localhost', logQuery?: (query: string) => void): Promise<Seeder> {
  const core = await createCore(
    loadConfig({
      ...serverEnv(b),
      GATEHOUSE_TENANT_DOMAIN: tenantDomain,
      LOG_LEVEL: 'warn',
      // Building indexes over a million rows takes longer than the server's per-statement limit.
      GATEHOUSE_STATEMENT_TIMEOUT_MS: '0',
    }),
    { logQuery },
  );
  const app = await buildApp(core);
  const tenant = await core.services.tenants.getByDomain(tenantDomain);
  const { clientId, clientSecret } = await core.services.clients.create(tenant, 'bench', 'admin');
  const jwk = parseClientSecret(clientSecret);
  if (!jwk) throw new Error('could not read the client secret just made');
  const { access_token } = await core.services.tokens.issue(
    { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret },
    'localhost',
  );
  const creds: Credentials = { clientId, x: jwk.x, d: jwk.d, token: access_token };
  return {
    core,
    app,
    creds,
    async api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
      const res = await app.inject({
        method,
        url: path,
        headers: {
          authorization: `Bearer ${access_token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        payload: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.statusCode !== 200) throw new Error(`${method} ${path} answered ${res.statusCode}: ${res.body}`);
      return res.json() as T;
    },
    async close() {
      await app.close();
      await core.close();
    },
  };
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `id` plus k, in base62 (KSUIDs are 160-bit numbers written in base62). */
function plus(id: string, k: number): string {
  const digits = id.split('').map((c) => BASE62.indexOf(c));
  let carry = k;
  for (let i = digits.length - 1; i >= 0 && carry > 0; i--) {
    const v = digits[i] + carry;
    digits[i] = v % 62;
    carry = Math.floor(v / 62);
  }
  return digits.map((d) => BASE62[d]).join('');
}

/**
 * Time-ordered KSUIDs like the server's (src/db/ids.ts): `perSecond` ids per second
 * from `startSecond`, each second a random payload that then counts up. Strictly
 * increasing, so lists order them as they would real ones.
 */
export function* ksuidBatches(count: number, startSecond: number, batchSize: number, perSecond = 100): Generator<string[]> {
  let batch: string[] = [];
  let base = '';
  for (let i = 0; i < count; i++) {
    const k = i % perSecond;
    if (k === 0) {
      const payload = randomBytes(16);
      payload[0] &= 0x7f; // headroom: adding < perSecond never carries into the timestamp
      base = KSUID.fromParts((startSecond + Math.floor(i / perSecond)) * 1000, payload).string;
    }
    batch.push(plus(base, k));
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

export type Progress = (line: string) => void;

type IndexDef = { name: string; def: string };

/**
 * Inserts `count` resources into one app and resource type. Row n (1-based) is
 * named `Resource 000000n team-(n mod 1000)`, so a query for one team matches
 * 0.1% of the rows and a query for one number matches exactly one.
 * Returns every 1000th id and the ids that the last page needs.
 */
export async function seedResources(
  core: Core,
  target: { tenantId: string; appId: string; typeId: string },
  count: number,
  progress: Progress,
): Promise<{ ids: string[]; sample: string[]; lastPageAfter?: string }> {
  const db = core.database.db;
  const startSecond = Math.floor(Date.now() / 1000) - 30 * 86400 - Math.ceil(count / 100);
  const batchSize = core.database.kind === 'pglite' ? 10_000 : 20_000;
  const sample: string[] = [];
  const tailIds: string[] = [];
  let done = 0;
  const started = Date.now();
  // Bulk load the way one restores a dump: the secondary indexes are dropped and
  // then built again from their own definitions (far faster than 1M inserts into
  // GIN trigram indexes); the result is the same table with the same indexes.
  const indexes = (await db.execute(sql`
    select i.relname as name, pg_get_indexdef(i.oid) as def
    from pg_index x join pg_class i on i.oid = x.indexrelid
    where x.indrelid = 'app_resources'::regclass
      and not exists (select 1 from pg_constraint c where c.conindid = i.oid)`)) as unknown as { rows?: IndexDef[] } | IndexDef[];
  const defs = Array.isArray(indexes) ? indexes : (indexes.rows ?? []);
  for (const d of defs) await db.execute(sql.raw(`drop index "${d.name}"`));
  for (const ids of ksuidBatches(count, startSecond, batchSize)) {
    await db.execute(sql`
      insert into app_resources
        (tenant_id, id, app_id, app_resource_type_id, display_name, description, match_baton_id, created_at, updated_at)
      select ${target.tenantId}, t.id, ${target.appId}, ${target.typeId},
        'Resource ' || lpad((t.n + ${done}::int)::text, 7, '0') || ' team-' || lpad(((t.n + ${done}::int) % 1000)::text, 3, '0'),
        'Seeded by npm run bench, row ' || (t.n + ${done}::int),
        'bench-' || (t.n + ${done}::int),
        to_timestamp(${startSecond}::bigint + (t.n + ${done}::int - 1) / 100),
        to_timestamp(${startSecond}::bigint + (t.n + ${done}::int - 1) / 100)
      from unnest(string_to_array(${ids.join(',')}, ',')) with ordinality as t(id, n)`);
    for (let i = 0; i < ids.length; i += 1000) sample.push(ids[i]);
    tailIds.push(...ids);
    if (tailIds.length > 200) tailIds.splice(0, tailIds.length - 200);
    done += ids.length;
    if (done % 100_000 < batchSize || done === count) {
      progress(`  seeded ${done.toLocaleString('en-US')} resources (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  }
  for (const d of defs) {
    const t0 = Date.now();
    await db.execute(sql.raw(d.def));
    progress(`  built index ${d.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  // The page of the last 100 starts after the 101st id from the end.
  const lastPageAfter = count > 100 ? tailIds[tailIds.length - 101] : undefined;
  return { ids: tailIds, sample, lastPageAfter };
}

/** Inserts `count` identity users (the people grants are given to); returns their ids. */
export async function seedUsers(core: Core, tenantId: string, count: number, prefix = 'bench-user'): Promise<string[]> {
  const db = core.database.db;
  const all: string[] = [];
  const startSecond = Math.floor(Date.now() / 1000) - 40 * 86400;
  let done = 0;
  for (const ids of ksuidBatches(count, startSecond, 10_000)) {
    await db.execute(sql`
      insert into users (tenant_id, id, email, display_name)
      select ${tenantId}, t.id, ${prefix} || '-' || (t.n + ${done}::int) || '@bench.example.com', ${prefix} || ' ' || (t.n + ${done}::int)
      from unnest(string_to_array(${ids.join(',')}, ',')) with ordinality as t(id, n)`);
    all.push(...ids);
    done += ids.length;
  }
  return all;
}

/** Fresh statistics and visibility map, as a database that has been running a while would have. */
export async function vacuumAnalyze(core: Core, tables: string[]): Promise<void> {
  for (const t of tables) await core.database.db.execute(sql.raw(`vacuum analyze ${t}`));
}
