// The printed table, bench/results/latest.json and the Markdown the README's
// Performance section is made of.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadResult } from '../load.ts';
import type { DeleteAppResult } from './big-app.ts';
import type { ExpandBenchResult } from './expand-big.ts';
import type { ExplainResult } from './explain.ts';
import type { ImportResult } from './import.ts';
import { type Pair, roundText } from './paired.ts';
import { type MachineInfo, root } from './proc.ts';
import type { SyncBenchResult } from './sync.ts';
import type { BigSyncResult } from './sync-big.ts';

export type ScenarioResult = {
  id: string;
  title: string;
  kind: string;
  result?: LoadResult;
  ratio?: number;
  skipped?: string;
  failed?: string;
};

export type SingleLatency = { id: string; title: string; samples: number; p50: number; max: number; mean: number };

export type Results = {
  startedAt: string;
  finishedAt?: string;
  seconds?: number;
  machine: MachineInfo;
  backend: { kind: 'postgres' | 'pglite'; detail: string };
  settings: {
    durationSeconds: number;
    warmupSeconds: number;
    connections: number;
    resources: number;
    logLevel: string;
    pairedRounds: number;
  };
  baseline: { runs: LoadResult[]; rps?: number; bodyBytes?: number };
  /**
   * Bare Fastify answering GET app's one SELECT (the same SQL text) through node-postgres (PostgreSQL runs only);
   * `listRuns`: with ListUsers' one SELECT, a page of 100 of the big entitlement's holders.
   */
  dbBaseline: { runs: LoadResult[]; rps?: number; listRuns: LoadResult[] };
  /** GET app and the bare server with its SELECT, loaded in turn (paired.ts; PostgreSQL runs only). */
  getAppRounds?: Pair[];
  deleteApp?: DeleteAppResult;
  scenarios: ScenarioResult[];
  memoryMiB: { idle?: number; afterLoad?: number; idleEmpty?: number };
  startupMs: { empty?: number; seeded?: number; seededResources?: number };
  seedSeconds?: number;
  singleRequestMs: SingleLatency[];
  plans: ExplainResult[];
  import?: ImportResult;
  sync?: SyncBenchResult;
  syncBig?: BigSyncResult;
  expand?: ExpandBenchResult;
  targets: { name: string; met: boolean | null; detail: string }[];
  notes: string[];
};

const num = (v: number | undefined, digits = 0) =>
  v === undefined ? '-' : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function rows(r: Results): string[][] {
  const out: string[][] = [];
  if (r.baseline.rps !== undefined) {
    const last = r.baseline.runs[r.baseline.runs.length - 1];
    out.push([
      'baseline (bare Fastify, same JSON)',
      num(r.baseline.rps),
      num(last?.latencyMs.p50, 2),
      num(last?.latencyMs.p99, 2),
      '1.00',
      num(last?.serverCpuUs),
      '',
    ]);
  }
  if (r.dbBaseline.rps !== undefined) {
    const last = r.dbBaseline.runs[r.dbBaseline.runs.length - 1];
    out.push([
      "baseline (bare Fastify + GET app's SELECT, node-postgres)",
      num(r.dbBaseline.rps),
      num(last?.latencyMs.p50, 2),
      num(last?.latencyMs.p99, 2),
      num(r.baseline.rps ? r.dbBaseline.rps / r.baseline.rps : undefined, 2),
      num(last?.serverCpuUs),
      '',
    ]);
  }
  for (const l of r.dbBaseline.listRuns) {
    out.push([
      "baseline (bare Fastify + ListUsers' SELECT, page of 100)",
      num(l.rps),
      num(l.latencyMs.p50, 2),
      num(l.latencyMs.p99, 2),
      num(r.baseline.rps ? l.rps / r.baseline.rps : undefined, 3),
      num(l.serverCpuUs),
      '',
    ]);
  }
  for (const s of r.scenarios) {
    if (!s.result) {
      out.push([s.title, '-', '-', '-', '-', '-', s.skipped ? `skipped: ${s.skipped}` : `FAILED: ${s.failed}`]);
      continue;
    }
    const x = s.result;
    const bad = x.non2xx + x.errors + x.timeouts;
    out.push([
      s.title,
      num(x.rps),
      num(x.latencyMs.p50, 2),
      num(x.latencyMs.p99, 2),
      num(s.ratio, s.ratio !== undefined && s.ratio < 0.1 ? 3 : 2),
      num(x.serverCpuUs),
      bad ? `${bad} not 2xx/errors ${JSON.stringify(x.statusCodes)}` : '',
    ]);
  }
  return out;
}

const HEAD = ['scenario', 'req/s', 'p50 ms', 'p99 ms', '× baseline', 'server CPU µs/req', 'notes'];

export function textTable(r: Results): string {
  const all = [HEAD, ...rows(r)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((row) => row[i].length)));
  const line = (row: string[]) =>
    row.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(all[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...all.slice(1).map(line)].join('\n');
}

function machineLine(r: Results): string {
  const m = r.machine;
  return `${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}`;
}

export function summaryLines(r: Results): string[] {
  const lines = [
    `Memory (VmRSS): idle on the empty database ${num(r.memoryMiB.idleEmpty, 1)} MiB, idle at ${num(r.startupMs.seededResources)} resources ${num(r.memoryMiB.idle, 1)} MiB, after the load ${num(r.memoryMiB.afterLoad, 1)} MiB`,
    `Start-up to /readyz: empty database ${num(r.startupMs.empty)} ms, ${num(r.startupMs.seededResources)} resources ${num(r.startupMs.seeded)} ms`,
  ];
  for (const [i, p] of (r.getAppRounds ?? []).entries())
    lines.push(`GET app beside the bare server with its SELECT, ${roundText(p, i)}`);
  if (r.deleteApp) {
    const d = r.deleteApp;
    lines.push(
      `Delete app with ${num(d.resources)} resources, ${num(d.entitlements)} entitlements and ${num(d.grants)} grants: ${num(d.seconds, 2)} s, ${d.statements} statements (${num(d.historyKept)} grants kept in history)`,
    );
  }
  for (const s of r.singleRequestMs) {
    lines.push(`Single request, ${s.title}: p50 ${num(s.p50, 2)} ms, max ${num(s.max, 2)} ms (${s.samples} sequential requests)`);
  }
  for (const p of r.plans) {
    if (!p.main) continue;
    const ms = p.main.executionMs === undefined ? '' : `, executes in ${p.main.executionMs} ms`;
    lines.push(
      `Query plan, ${p.name}: ${p.main.indexes.length ? `index ${p.main.indexes.join(' + ')}` : 'no index (sequential scan)'}${ms}`,
    );
  }
  if (r.import) {
    const i = r.import;
    const head = `CSV import of ${num(i.rows)} rows (CLI, embedded database)`;
    if (i.error) lines.push(`${head}: FAILED ${i.error}`);
    else if (i.stoppedAfter) {
      lines.push(
        `${head}: stopped at the time limit after ${num(i.stoppedAfter.seconds, 1)} s and ${num(i.stoppedAfter.rows)} rows ` +
          `(${num(i.rowsPerSecond)} rows/s): all rows would take about ${num(i.seconds, 0)} s`,
      );
    } else {
      lines.push(
        `${head}: ${num(i.seconds, 1)} s (${num(i.rowsPerSecond)} rows/s)` +
          (i.rerun ? `; re-import of the same file ${num(i.rerun.seconds, 1)} s` : ''),
      );
    }
  }
  if (r.sync) {
    const x = r.sync;
    const head = `Baton sync of ${x.file} (\`gatehouse sync\`, embedded database, process start included)`;
    if (x.error) lines.push(`${head}: FAILED ${x.error}`);
    else {
      lines.push(
        `${head}: ${num(x.seconds, 1)} s for ${num(x.summary?.resources?.total)} resources and ${num(x.summary?.grants?.total)} grants` +
          (x.applySeconds !== undefined ? ` (the apply alone, in-process: ${num(x.applySeconds, 2)} s)` : '') +
          (x.rerun
            ? `; the same file again ${num(x.rerun.seconds, 1)} s (${num(x.rerun.summary?.grants?.unchanged)} grants unchanged)`
            : ''),
      );
    }
  }
  if (r.expand) {
    const x = r.expand;
    lines.push(
      `Grant expansion (${num(x.grants)} grants: 1,000 groups nested as a tree, users in 10 groups each; in-process, no database): ` +
        (x.error
          ? `FAILED ${x.error}`
          : `${num(x.pairs)} grants out (${num(x.derived)} derived) in ${num(x.seconds, 2)} s; the JS heap grew by ${num(x.heapMiB)} MiB`),
    );
  }
  if (r.syncBig) {
    const x = r.syncBig;
    const head = `Baton sync of a generated c1z (${num(x.accounts)} accounts, ${num(x.grants)} grants, ${x.fileMiB} MiB; in-process on ${r.backend.kind})`;
    if (x.error) lines.push(`${head}: FAILED ${x.error}`);
    else
      lines.push(
        `${head}: generated in ${num(x.generateSeconds, 1)} s, applied in ${num(x.applySeconds, 1)} s; the same file again ` +
          `${num(x.reapplySeconds, 1)} s, writing ${x.historyWrittenByReapply} grant history rows`,
      );
  }
  return lines;
}

export function markdown(r: Results): string {
  const md = [
    `Measured ${r.startedAt.slice(0, 10)} on ${r.backend.kind === 'postgres' ? 'PostgreSQL' : 'PGlite (embedded)'} (${r.backend.detail});`,
    `machine: ${machineLine(r)}; load average at start ${r.machine.loadAverage.join(', ')}.`,
    `${r.settings.connections} connections, ${r.settings.durationSeconds} s per scenario after ${r.settings.warmupSeconds} s of warm-up; load from autocannon in its own process.`,
    '',
    `| ${HEAD.join(' | ')} |`,
    `| ${HEAD.map((_, i) => (i === 0 || i === 6 ? '---' : '---:')).join(' | ')} |`,
    ...rows(r).map((row) => `| ${row.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`),
    '',
    ...summaryLines(r).map((l) => `- ${l}`),
  ];
  if (r.targets.length) {
    md.push('', 'Targets:', '');
    for (const t of r.targets) md.push(`- ${t.met === null ? 'n/a' : t.met ? 'met' : '**missed**'}: ${t.name} (${t.detail})`);
  }
  for (const n of r.notes) md.push('', n);
  return `${md.join('\n')}\n`;
}

export function planText(r: Results): string {
  const out: string[] = [];
  for (const p of r.plans) {
    out.push(`--- ${p.name}: ${p.request}`);
    if (!p.main) {
      out.push('(no page query captured)');
      continue;
    }
    out.push(p.main.sql, `params: ${JSON.stringify(p.main.params)}`, p.main.plan);
  }
  return out.join('\n');
}

/** Puts the run's Markdown between the README's bench markers (in its Performance section). */
export function updateReadme(md: string): string {
  const file = path.join(root, 'README.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const re = /(<!-- bench:begin -->\n)[\s\S]*?(<!-- bench:end -->)/;
  if (!re.test(text)) return 'README.md has no <!-- bench:begin --> / <!-- bench:end --> markers: not updated';
  writeFileSync(
    file,
    text.replace(re, (_m, a: string, b: string) => `${a}${md}${b}`),
  );
  return 'Updated the figures in README.md (Performance).';
}
