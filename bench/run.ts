// `npm run bench`: Gatehouse in its own process on PostgreSQL (BENCH_DATABASE_URL,
// a fresh database dropped afterwards) or PGlite (a temp data dir), seeded through
// SQL, loaded by autocannon from another process, compared with a bare Fastify
// baseline measured in the same run. Prints a table; writes bench/results/latest.json.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchDeleteApp } from './lib/big-app.ts';
import { benchExpand } from './lib/expand-big.ts';
import { benchImport } from './lib/import.ts';
import { medianRound, pairedRounds, roundText } from './lib/paired.ts';
import { seed, singleRequestLatency } from './lib/phases.ts';
import { freePort, machineInfo, type Proc, root, rssMiB, runNode, startNode, stop, tail, waitFor } from './lib/proc.ts';
import { type ProfileSummary, profileText, summarizeProfile } from './lib/profile.ts';
import { markdown, planText, type Results, summaryLines, textTable, updateReadme } from './lib/report.ts';
import { requestFactory } from './lib/requests.ts';
import { type Scenario, scenarios } from './lib/scenarios.ts';
import { type Backend, benchDatabase, serverEnv } from './lib/seed.ts';
import { benchSync } from './lib/sync.ts';
import { benchBigSync } from './lib/sync-big.ts';
import { evaluateTargets } from './lib/targets.ts';
import type { LoadResult, LoadSpec } from './load.ts';

const int = (name: string, dflt: number) => {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${v}"`);
  return n;
};
const settings = {
  durationSeconds: Math.max(1, int('BENCH_DURATION', 10)),
  warmupSeconds: int('BENCH_WARMUP', 2),
  connections: Math.max(1, int('BENCH_CONNECTIONS', 32)),
  resources: int('BENCH_RESOURCES', 1_000_000),
  importRows: int('BENCH_IMPORT_ROWS', 100_000),
  entitlements: int('BENCH_ENTITLEMENTS', 1_000),
  grants: int('BENCH_GRANTS', 100_000),
  syncAccounts: int('BENCH_SYNC_ACCOUNTS', 100_000),
  syncGrants: int('BENCH_SYNC_GRANTS', 1_000_000),
  logLevel: process.env.BENCH_LOG_LEVEL || 'info',
  pairedRounds: Math.max(1, int('BENCH_PAIRED_ROUNDS', 5)),
};
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined;
const wanted = (id: string) => !only || only.has(id);
const cpuProf = process.env.BENCH_CPU_PROF === '1';
const say = (line = '') => process.stdout.write(`${line}\n`);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'gatehouse-bench-'));
const resultsDir = path.join(root, 'bench/results');
const profDir = path.join(resultsDir, 'profiles');
const procs = new Set<Proc>();
let dropDatabase: (() => Promise<void>) | undefined;

async function startGatehouse(b: Backend, label: string): Promise<{ proc: Proc; startupMs: number }> {
  const port = await freePort();
  // One directory per start: Node writes a profile per thread (tsx's loader has its own).
  const prof = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profDir, label)}`] : [];
  const t0 = Date.now();
  const proc = startNode(
    [...prof, 'bin/gatehouse.js', 'serve'],
    {
      ...serverEnv(b),
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: settings.logLevel,
      GATEHOUSE_TENANT_DOMAIN: 'localhost',
      // The token scenario measures issuance, not refusal: the limiter stays on, its limit out of reach.
      GATEHOUSE_TOKEN_RATE_PER_MINUTE: '100000000',
      GATEHOUSE_TOKEN_RATE_PER_IP_PER_MINUTE: '100000000',
    },
    path.join(tmp, `gatehouse-${label}.log`),
    `http://127.0.0.1:${port}`,
  );
  procs.add(proc);
  return { proc, startupMs: await waitFor(proc, '/readyz', t0) };
}

async function halt(proc: Proc): Promise<void> {
  await stop(proc);
  procs.delete(proc);
}

/** `serverPid`: the process answering, whose CPU per request the result then gives. */
async function load(url: string, t: Scenario['template'], serverPid?: number): Promise<LoadResult> {
  const spec: LoadSpec = {
    ...t,
    url,
    serverPid,
    connections: settings.connections,
    duration: settings.durationSeconds,
    warmup: settings.warmupSeconds,
  };
  const file = path.join(tmp, `spec-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const out = await runNode(['--import', 'tsx', 'bench/load.ts', file], {}, path.join(tmp, 'load.log'));
  const line = out.stdout.trim().split('\n').pop() ?? '';
  if (out.code !== 0 || !line.startsWith('{'))
    throw new Error(`load generator failed (${out.code}): ${tail(path.join(tmp, 'load.log'))}`);
  return JSON.parse(line) as LoadResult;
}

/** One request as the load will send it; a scenario whose probe fails is not run. */
async function probe(url: string, sc: Scenario): Promise<string | undefined> {
  const r = requestFactory(sc.template).next();
  const res = await fetch(url + r.path, { method: sc.template.method, headers: sc.template.headers, body: r.body });
  const text = await res.text();
  if (res.status !== 200) return `probe answered ${res.status}: ${text.slice(0, 300)}`;
  try {
    return sc.check?.(JSON.parse(text));
  } catch {
    return `probe answered a body that is not JSON: ${text.slice(0, 100)}`;
  }
}

/** Benches that run without a server of their own (each opens what it needs). */
const OFFLINE = ['import', 'sync', 'sync-big', 'expand'];

async function offlineBenches(backend: Backend, results: Results): Promise<void> {
  if (wanted('import') && settings.importRows > 0) {
    say(`CSV import of ${settings.importRows.toLocaleString('en-US')} rows through the CLI, embedded database ...`);
    const limit = int('BENCH_IMPORT_TIMEOUT', 150) * 1000;
    results.import = await benchImport(tmp, settings.importRows, process.env.BENCH_IMPORT_RERUN === '1', limit, say);
  }

  if (wanted('sync')) {
    say('Baton sync (expanded.c1z) through the CLI, embedded database ...');
    results.sync = await benchSync(tmp, say);
  }

  if (wanted('expand')) {
    say('Grant expansion at scale, in-process ...');
    results.expand = benchExpand(int('BENCH_EXPAND_USERS', 100_000));
  }

  if (wanted('sync-big')) {
    if (backend.kind !== 'postgres') {
      say('Baton sync at scale: skipped (it is measured on PostgreSQL: set BENCH_DATABASE_URL)');
    } else {
      say('Baton sync at scale (generated c1z), in-process on PostgreSQL ...');
      results.syncBig = await benchBigSync(backend, settings.syncAccounts, settings.syncGrants, say);
    }
  }
}

function finish(results: Results, started: number): void {
  results.targets = evaluateTargets(results);
  results.finishedAt = new Date().toISOString();
  results.seconds = Math.round((Date.now() - started) / 1000);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(resultsDir, 'latest.md'), markdown(results));
  if (process.env.BENCH_UPDATE_README === '1') say(updateReadme(markdown(results)));
  say();
  say(textTable(results));
  say();
  for (const l of summaryLines(results)) say(l);
  for (const t of results.targets) say(`target ${t.met === null ? 'n/a' : t.met ? 'met' : 'MISSED'}: ${t.name} (${t.detail})`);
  for (const n of results.notes) say(n);
  say(`\nWrote bench/results/latest.json and bench/results/latest.md (${results.seconds} s in all).`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const { backend, detail, drop } = await benchDatabase(tmp);
  dropDatabase = drop;
  const results: Results = {
    startedAt: new Date().toISOString(),
    machine: machineInfo(),
    backend: { kind: backend.kind, detail },
    settings,
    baseline: { runs: [] },
    dbBaseline: { runs: [], listRuns: [] },
    scenarios: [],
    memoryMiB: {},
    startupMs: {},
    singleRequestMs: [],
    plans: [],
    targets: [],
    notes: [],
  };
  say(`Gatehouse bench on ${backend.kind === 'postgres' ? 'PostgreSQL' : 'PGlite (embedded)'}: ${detail}`);
  say(
    `machine: ${results.machine.cores} cores, ${results.machine.cpuModel}, ${results.machine.memoryGiB} GiB, Node ${results.machine.node}`,
  );
  say(
    `${settings.connections} connections, ${settings.durationSeconds} s per scenario (+${settings.warmupSeconds} s warm-up), ${settings.resources.toLocaleString('en-US')} resources, server log level ${settings.logLevel}`,
  );
  if (cpuProf) mkdirSync(profDir, { recursive: true });

  // Only the benches that need no running server (BENCH_ONLY=sync,sync-big,import): no seeding.
  if (only && [...only].every((id) => OFFLINE.includes(id))) {
    await offlineBenches(backend, results);
    finish(results, started);
    return;
  }

  say('Starting Gatehouse on the empty database ...');
  const empty = await startGatehouse(backend, 'empty');
  results.startupMs.empty = empty.startupMs;
  await new Promise((r) => setTimeout(r, 1000));
  results.memoryMiB.idleEmpty = rssMiB(empty.proc.pid);
  await halt(empty.proc);

  const grantUsers = 4000 * (settings.durationSeconds + settings.warmupSeconds);
  const seeded = await seed(
    backend,
    { resources: settings.resources, grantUsers, entitlements: settings.entitlements, bigGrants: settings.grants },
    say,
  );
  results.seedSeconds = seeded.seconds;
  results.plans = seeded.plans;
  say(planText(results));

  say(`Starting Gatehouse on the seeded database (${settings.resources.toLocaleString('en-US')} resources) ...`);
  const server = await startGatehouse(backend, 'seeded');
  results.startupMs.seeded = server.startupMs;
  results.startupMs.seededResources = settings.resources;
  await new Promise((r) => setTimeout(r, 1000));
  results.memoryMiB.idle = rssMiB(server.proc.pid);
  const host = new URL(server.proc.url).hostname;
  const all = scenarios(seeded.fixture, host);

  for (const sc of all.filter((s) => ['list-first', 'list-last', 'search', 'search-one'].includes(s.id) && !s.skip)) {
    results.singleRequestMs.push(await singleRequestLatency(server.proc.url, sc));
  }

  const runBaseline = async () => {
    const bodyFile = path.join(tmp, 'baseline-body.json');
    writeFileSync(bodyFile, seeded.getAppBody);
    const port = await freePort();
    const proc = startNode(
      ['--import', 'tsx', 'bench/baseline.ts', bodyFile],
      { PORT: String(port) },
      path.join(tmp, 'baseline.log'),
      `http://127.0.0.1:${port}`,
    );
    procs.add(proc);
    try {
      await waitFor(proc, '/baseline', Date.now(), 60_000);
      const r = await load(proc.url, { method: 'GET', path: '/baseline', headers: {} }, proc.pid);
      results.baseline.runs.push(r);
      results.baseline.bodyBytes = Buffer.byteLength(seeded.getAppBody);
      say(
        `baseline: ${r.rps} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms (${results.baseline.bodyBytes}-byte JSON)`,
      );
    } finally {
      await halt(proc);
    }
  };
  await runBaseline();

  // Beside the static baseline: the same server answering GET app's one SELECT (PostgreSQL only).
  // With the big entitlement (and its scenario wanted): also ListUsers' ceiling, /baseline-list.
  const big = wanted('list-entitlement-users') ? seeded.fixture.bigGrants?.entitlementId : undefined;
  const startDbBaseline = async (url: string): Promise<Proc> => {
    const port = await freePort();
    const proc = startNode(
      ['--import', 'tsx', 'bench/baseline-db.ts', url, seeded.tenantId, seeded.fixture.appId, ...(big ? [big] : [])],
      { PORT: String(port) },
      path.join(tmp, 'baseline-db.log'),
      `http://127.0.0.1:${port}`,
    );
    procs.add(proc);
    await waitFor(proc, '/baseline', Date.now(), 60_000);
    return proc;
  };
  const bareGet = (proc: Proc) => load(proc.url, { method: 'GET', path: '/baseline', headers: {} }, proc.pid);
  const runDbBaseline = async () => {
    if (backend.kind !== 'postgres') return;
    const proc = await startDbBaseline(backend.url);
    try {
      const r = await bareGet(proc);
      results.dbBaseline.runs.push(r);
      say(`baseline with GET app's SELECT (node-postgres): ${r.rps} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms`);
      if (big) {
        const l = await load(proc.url, { method: 'GET', path: '/baseline-list', headers: {} }, proc.pid);
        results.dbBaseline.listRuns.push(l);
        say(`baseline with ListUsers' SELECT, page of 100: ${l.rps} req/s, p50 ${l.latencyMs.p50} ms, p99 ${l.latencyMs.p99} ms`);
      }
    } finally {
      await halt(proc);
    }
  };
  // GET app itself: in rounds paired with the bare server (paired.ts), on PostgreSQL.
  const runGetApp = async (sc: Scenario): Promise<LoadResult> => {
    if (backend.kind !== 'postgres') return load(server.proc.url, sc.template, server.proc.pid);
    const proc = await startDbBaseline(backend.url);
    try {
      const gatehouse = () => load(server.proc.url, sc.template, server.proc.pid);
      results.getAppRounds = await pairedRounds(settings.pairedRounds, gatehouse, () => bareGet(proc));
      for (const [i, p] of results.getAppRounds.entries()) say(`GET app beside the bare server, ${roundText(p, i)}`);
      return medianRound(results.getAppRounds).gatehouse;
    } finally {
      await halt(proc);
    }
  };
  await runDbBaseline();

  for (const sc of all) {
    const entry = { id: sc.id, title: sc.title, kind: sc.kind } as Results['scenarios'][number];
    results.scenarios.push(entry);
    if (!wanted(sc.id)) {
      entry.skipped = 'not in BENCH_ONLY';
      continue;
    }
    if (sc.skip) {
      entry.skipped = sc.skip;
      say(`${sc.title}: skipped (${sc.skip})`);
      continue;
    }
    const complaint = await probe(server.proc.url, sc);
    if (complaint) {
      entry.failed = complaint;
      say(`${sc.title}: FAILED ${complaint}`);
      continue;
    }
    entry.result = sc.id === 'get-app' ? await runGetApp(sc) : await load(server.proc.url, sc.template, server.proc.pid);
    const x = entry.result;
    say(
      `${sc.title}: ${x.rps} req/s, p50 ${x.latencyMs.p50} ms, p99 ${x.latencyMs.p99} ms${x.non2xx + x.errors ? `, ${x.non2xx} non-2xx ${JSON.stringify(x.statusCodes)}, ${x.errors} errors` : ''}`,
    );
  }
  results.memoryMiB.afterLoad = rssMiB(server.proc.pid);
  await halt(server.proc);

  // Again at the end: the machine may be busier or quieter than at the start; ratios use the mean.
  await runBaseline();
  await runDbBaseline();
  const dbRuns = results.dbBaseline.runs;
  if (dbRuns.length) results.dbBaseline.rps = Math.round(dbRuns.reduce((a, r) => a + r.rps, 0) / dbRuns.length);

  if (wanted('delete-app') && seeded.fixture.resources) {
    results.deleteApp = await benchDeleteApp(backend, seeded.fixture.appId, say);
    const d = results.deleteApp;
    say(
      `delete app: ${d.seconds} s, ${d.statements} statements; ${d.historyKept.toLocaleString('en-US')} grants kept in history as deleted`,
    );
  }
  const runs = results.baseline.runs;
  results.baseline.rps = Math.round(runs.reduce((a, r) => a + r.rps, 0) / runs.length);
  for (const s of results.scenarios)
    if (s.result) s.ratio = Math.round((s.result.rps / (results.baseline.rps || 1)) * 1000) / 1000;
  if (runs.length === 2 && Math.abs(runs[0].rps - runs[1].rps) > 0.15 * results.baseline.rps) {
    results.notes.push(
      `The baseline moved between the start (${runs[0].rps} req/s) and the end (${runs[1].rps} req/s) of the run: the machine was not quiet.`,
    );
  }

  await offlineBenches(backend, results);

  if (cpuProf) {
    // The main thread's profile is the one with the requests in it: the largest.
    const dir = path.join(profDir, 'seeded');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => path.join(dir, f))
      .sort((a, b) => statSync(b).size - statSync(a).size);
    const profiles: ProfileSummary[] = files.slice(0, 1).map((f) => summarizeProfile(f, 30));
    for (const p of profiles) say(profileText(p));
    (results as Results & { profiles?: ProfileSummary[] }).profiles = profiles;
  }

  finish(results, started);
}

async function cleanup(): Promise<void> {
  for (const p of procs) await stop(p).catch(() => {});
  // BENCH_KEEP=1 keeps the database and the files, to look at afterwards (query plans, profiles).
  if (process.env.BENCH_KEEP === '1') say(`kept ${tmp}${dropDatabase ? ' and the database' : ''}`);
  else await dropDatabase?.().catch((err) => say(`could not drop the bench database: ${(err as Error).message}`));
  if (process.env.BENCH_KEEP === '1') return;
  rmSync(tmp, { recursive: true, force: true });
}

process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
try {
  await main();
} catch (err) {
  process.exitCode = 1;
  const cause = (err as Error).cause as Error | undefined;
  say(`bench failed: ${(err as Error).stack ?? err}${cause ? `\ncaused by: ${cause.message ?? cause}` : ''}`);
} finally {
  await cleanup();
}
