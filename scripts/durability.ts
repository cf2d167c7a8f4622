// Durability test: concurrent creates against a real server process, SIGKILL in
// the middle, restart on the same database, then check that every create that
// was answered 200 is there, whole (an app with all its owners, a resource with
// all its owners), and that nothing half-written exists.
// Ten rounds on PGlite (on disk) and ten on PostgreSQL when TEST_DATABASE_URL or
// DATABASE_URL is set. Exit code 1 when anything acknowledged was lost.
// Usage: npm run test:durability [-- --rounds N] [-- --backend pglite|postgres]
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClient as Api, createDatabase, type Seed, type Spawned, seed, spawnServer, tokenFor } from '../test/ops/spawn.ts';

type Kind = 'app' | 'resource';
type Intent = { kind: Kind; name: string; owners: string[] };
type Acked = Intent & { id: string };
type Totals = {
  rounds: number;
  checked: number;
  lost: number;
  halfWritten: number;
  /** Creates that committed but whose answer never left the killed server (allowed). */
  unacked: number;
  /** Non-200 answers while the server was up (a bug, not a durability loss). */
  refused: number;
};

const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const ROUNDS = Number(arg('rounds') ?? 10);
const ONLY = arg('backend');
const WORKERS = 8;
/** Acknowledged creates to wait for before the kill (then a random extra delay). */
const MIN_ACKS = 15;

const log = (line: string) => process.stdout.write(`${line}\n`);
const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join() === [...b].sort().join();

type Target = { appId: string; typeId: string } | undefined;

async function start(env: Record<string, string>, s: Seed): Promise<{ server: Spawned; api: Api }> {
  const server = await spawnServer({ env, readyTimeoutMs: 120_000 });
  return { server, api: new Api(server.url, await tokenFor(server.url, s.clientId, s.clientSecret)) };
}

/** The app and resource type resources are created under; undefined while resources are not served. */
async function resourceTarget(api: Api, tag: string): Promise<Target> {
  const app = await api.call('POST', '/api/v1/apps', { displayName: `dur-home-${tag}` });
  if (app.status !== 200) throw new Error(`create home app: ${app.status} ${JSON.stringify(app.body)}`);
  const appId = app.body.app.id as string;
  const rt = await api.call('POST', `/api/v1/apps/${appId}/resource_types`, { displayName: 'Role', resourceType: 'ROLE' });
  if (rt.status === 404 && /no route/.test(rt.body?.message ?? '')) return undefined;
  if (rt.status !== 200) throw new Error(`create resource type: ${rt.status} ${JSON.stringify(rt.body)}`);
  return { appId, typeId: rt.body.appResourceType.id as string };
}

const resourcesPath = (t: NonNullable<Target>) => `/api/v1/apps/${t.appId}/resource_types/${t.typeId}/resources`;
const ownersPath = (t: NonNullable<Target>, id: string) =>
  `/api/v1/apps/${t.appId}/resource_types/${t.typeId}/resource/${id}/owners`;

/** Runs creates from several workers until the server dies; returns what was sent and what was acknowledged. */
async function load(api: Api, s: Seed, target: Target, prefix: string, server: Spawned) {
  const intents = new Map<string, Intent>();
  const acked: Acked[] = [];
  let dead = false;
  let refused = 0;
  void server.exited.then(() => {
    dead = true;
  });
  const worker = async (w: number) => {
    for (let i = 0; !dead; i++) {
      const kind: Kind = target && i % 2 === 1 ? 'resource' : 'app';
      const owners = [...s.userIds].sort(() => Math.random() - 0.5).slice(0, 1 + randomInt(3));
      const name = `${prefix}-w${w}-${i}`;
      intents.set(name, { kind, name, owners });
      try {
        const r =
          kind === 'app'
            ? await api.call('POST', '/api/v1/apps', { displayName: name, owners })
            : await api.call('POST', resourcesPath(target!), { displayName: name, resourceOwnerUserIds: owners });
        if (r.status === 200) acked.push({ kind, name, owners, id: kind === 'app' ? r.body.app.id : r.body.appResource.id });
        else {
          refused++;
          log(`  ${name}: ${r.status} ${JSON.stringify(r.body)}`);
        }
      } catch {
        return; // connection refused or reset: the server is gone
      }
    }
  };
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));
  const t0 = Date.now();
  while (acked.length < MIN_ACKS && !dead && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, randomInt(1000)));
  const killedAfterMs = Date.now() - t0;
  await server.kill('SIGKILL');
  await Promise.all(workers);
  return { intents, acked, killedAfterMs, refused };
}

/** Checks every acknowledged create and everything this round left in the database. */
async function verify(api: Api, target: Target, prefix: string, intents: Map<string, Intent>, acked: Acked[]) {
  let lost = 0;
  let halfWritten = 0;
  const problems: string[] = [];
  const apps = (await api.all('POST', '/api/v1/search/apps', { query: prefix })) as Array<{
    id: string;
    displayName: string;
    appOwners?: Array<{ id: string }>;
  }>;
  const resources = target
    ? ((await api.all('GET', resourcesPath(target))) as Array<{ appResource: { id: string; displayName: string } }>)
        .map((v) => v.appResource)
        .filter((r) => r.displayName.startsWith(`${prefix}-`))
    : [];
  const found = new Map<string, { kind: Kind; id: string; owners: string[] }>();
  for (const a of apps) {
    if (!a.displayName.startsWith(`${prefix}-`)) continue;
    if (found.has(a.displayName)) problems.push(`duplicate app ${a.displayName}`);
    found.set(a.displayName, { kind: 'app', id: a.id, owners: (a.appOwners ?? []).map((u) => u.id) });
  }
  for (const r of resources) {
    if (found.has(r.displayName)) problems.push(`duplicate resource ${r.displayName}`);
    const owners = (await api.all('GET', ownersPath(target!, r.id))) as Array<{ id: string }>;
    found.set(r.displayName, { kind: 'resource', id: r.id, owners: owners.map((u) => u.id) });
  }
  // Whatever exists must be whole: exactly the owners it was created with.
  for (const [name, f] of found) {
    const intent = intents.get(name);
    if (!intent || intent.kind !== f.kind || !sameSet(intent.owners, f.owners)) {
      halfWritten++;
      problems.push(`half-written ${f.kind} ${name}: owners ${JSON.stringify(f.owners)}, sent ${JSON.stringify(intent?.owners)}`);
    }
  }
  // Whatever was acknowledged must exist, read back by id as a client would.
  for (const a of acked) {
    const r =
      a.kind === 'app'
        ? await api.call('GET', `/api/v1/apps/${a.id}`)
        : await api.call('GET', `${resourcesPath(target!)}/${a.id}`);
    const name = a.kind === 'app' ? r.body?.app?.displayName : r.body?.appResourceView?.appResource?.displayName;
    if (r.status !== 200 || name !== a.name || found.get(a.name)?.id !== a.id) {
      lost++;
      problems.push(`lost ${a.kind} ${a.name} (${a.id}): GET ${r.status}`);
    }
  }
  return { lost, halfWritten, problems, unacked: found.size - acked.filter((a) => found.get(a.name)?.id === a.id).length };
}

async function runBackend(backend: 'pglite' | 'postgres', env: Record<string, string>): Promise<Totals> {
  const totals: Totals = { rounds: 0, checked: 0, lost: 0, halfWritten: 0, unacked: 0, refused: 0 };
  const s = await seed(env, 6);
  let { server, api } = await start(env, s);
  try {
    const target = await resourceTarget(api, backend);
    if (!target) log(`${backend}: resources are not served by this build; checking apps with owners only`);
    for (let round = 1; round <= ROUNDS; round++) {
      const prefix = `dur-${backend}-r${round}`;
      const { intents, acked, killedAfterMs, refused } = await load(api, s, target, prefix, server);
      const killed = await server.exited;
      ({ server, api } = await start(env, s));
      const v = await verify(api, target, prefix, intents, acked);
      totals.rounds++;
      totals.checked += acked.length;
      totals.refused += refused;
      totals.lost += v.lost;
      totals.halfWritten += v.halfWritten;
      totals.unacked += v.unacked;
      const kinds = (k: Kind) => acked.filter((a) => a.kind === k).length;
      log(
        `${backend} round ${round}: killed (${killed.signal}) after ${killedAfterMs} ms; ` +
          `${acked.length} acknowledged (${kinds('app')} apps, ${kinds('resource')} resources), ` +
          `${v.unacked} committed without an answer, ${v.lost} lost, ${v.halfWritten} half-written` +
          (refused ? `, ${refused} non-200 answers` : ''),
      );
      for (const p of v.problems.slice(0, 10)) log(`  ${p}`);
    }
  } finally {
    await server.kill('SIGTERM');
  }
  return totals;
}

async function main(): Promise<void> {
  const results: Array<[string, Totals | string]> = [];
  const t0 = Date.now();
  if (!ONLY || ONLY === 'pglite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gh-durability-'));
    try {
      results.push(['pglite', await runBackend('pglite', { GATEHOUSE_DATA_DIR: dir })]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const base = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!ONLY || ONLY === 'postgres') {
    if (!base) {
      results.push(['postgres', 'SKIPPED: set TEST_DATABASE_URL (or DATABASE_URL) to run the PostgreSQL rounds']);
    } else {
      const db = await createDatabase(base, 'gh_durability');
      try {
        results.push(['postgres', await runBackend('postgres', { DATABASE_URL: db.url })]);
      } finally {
        await db.drop();
      }
    }
  }
  log('');
  log('backend   rounds  acknowledged writes checked  lost  half-written  committed without answer  non-200');
  let failed = false;
  for (const [backend, t] of results) {
    if (typeof t === 'string') {
      log(`${backend.padEnd(9)} ${t}`);
      continue;
    }
    if (t.lost > 0 || t.halfWritten > 0 || t.refused > 0 || t.rounds !== ROUNDS) failed = true;
    log(
      `${backend.padEnd(9)} ${String(t.rounds).padStart(6)}  ${String(t.checked).padStart(27)}  ${String(t.lost).padStart(4)}  ${String(
        t.halfWritten,
      ).padStart(12)}  ${String(t.unacked).padStart(24)}  ${String(t.refused).padStart(7)}`,
    );
  }
  log(`durability: ${failed ? 'FAILED' : 'ok'} in ${Math.round((Date.now() - t0) / 1000)} s`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`durability: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
