// The issue's targets, checked against a run. They are stated for PostgreSQL;
// on PGlite they are still computed, and say so.
import { medianRound, roundRatio, roundText } from './paired.ts';
import type { Results } from './report.ts';

type Target = Results['targets'][number];

export function evaluateTargets(r: Results): Target[] {
  const out: Target[] = [];
  const onPg = r.backend.kind === 'postgres';
  const suffix = onPg ? '' : '; the target is for PostgreSQL, this run is on PGlite';
  const by = (id: string) => r.scenarios.find((s) => s.id === id && s.result);
  const get = by('get-app');
  if (get?.ratio !== undefined) {
    out.push({ name: 'GET app ≥ 0.5× baseline', met: get.ratio >= 0.5, detail: `${get.ratio}×${suffix}` });
  }
  for (const id of ['create-app', 'create-resource', 'add-grant']) {
    const s = by(id);
    if (s?.ratio !== undefined)
      out.push({ name: `${s.title} ≥ 0.25× baseline`, met: s.ratio >= 0.25, detail: `${s.ratio}×${suffix}` });
  }
  const reads = r.scenarios.filter((s) => s.kind === 'read' && s.result);
  if (reads.length) {
    const slow = reads.filter((s) => (s.result?.latencyMs.p99 ?? 0) >= 10);
    out.push({
      name: `p99 < 10 ms for reads at ${r.settings.connections} connections`,
      met: slow.length === 0,
      detail:
        (slow.length ? `over: ${slow.map((s) => `${s.id} ${s.result?.latencyMs.p99} ms`).join(', ')}` : 'all reads under') +
        suffix,
    });
  }
  // Issue 11's targets.
  const createApp = by('create-app')?.result?.rps;
  for (const [id, min] of [
    ['add-grant', 0.5],
    ['add-grant-spread', 1.0],
  ] as const) {
    const s = by(id);
    if (s?.result && createApp) {
      // Met or not on the ratio itself, not on its rounded print.
      const x = s.result.rps / createApp;
      out.push({
        name: `${s.title} ≥ ${min}× create app`,
        met: x >= min,
        detail: `${x.toFixed(2)}× (${s.result.rps} vs ${createApp} req/s)${suffix}`,
      });
    }
  }
  const list = by('list-entitlement-users');
  if (list?.result) {
    // The bare server running the same SELECT, for what this machine allows at all.
    const bare = r.dbBaseline.listRuns;
    const ceiling = bare.length
      ? `; bare Fastify + the same SELECT: p99 ${bare.map((b) => `${b.latencyMs.p99} ms`).join(' and ')}, ${bare.map((b) => b.rps).join(' and ')} req/s`
      : '';
    out.push({
      name: `${list.title}: p99 < 20 ms at ${r.settings.connections} connections`,
      met: list.result.latencyMs.p99 < 20,
      detail: `p99 ${list.result.latencyMs.p99} ms, ${list.result.rps} req/s${ceiling}${suffix}`,
    });
  }
  if (r.deleteApp) {
    const d = r.deleteApp;
    out.push({
      name: 'delete an app with 1,000,000 resources, 1,000 entitlements and 100,000 grants < 30 s',
      met: d.resources >= 1_000_000 && d.grants >= 100_000 ? d.seconds < 30 : null,
      detail: `${d.seconds} s, ${d.statements} statements${d.resources < 1_000_000 ? ` (${d.resources} resources: fewer than the target is stated for)` : ''}${suffix}`,
    });
  }
  const rounds = r.getAppRounds ?? [];
  if (get?.result && rounds.length) {
    // The median of the paired rounds' ratios (paired.ts); each round's figures in the detail.
    const x = roundRatio(medianRound(rounds));
    const detail = `${x.toFixed(3)}×, the median of ${rounds.length} paired rounds: ${rounds.map(roundText).join('; ')}`;
    out.push({ name: 'GET app ≥ 0.8× bare Fastify + its SELECT (node-postgres)', met: x >= 0.8, detail });
  }
  for (const s of r.singleRequestMs) {
    out.push({
      name: `${s.title}: single request < 20 ms`,
      met: s.p50 < 20,
      detail: `p50 ${s.p50} ms, max ${s.max} ms${suffix}`,
    });
  }
  if (r.import && !r.import.error) {
    out.push({
      name: `import of ${r.import.rows.toLocaleString('en-US')} rows < 30 s on the embedded database`,
      met: r.import.rows >= 100_000 ? r.import.seconds < 30 : null,
      detail:
        (r.import.stoppedAfter
          ? `about ${Math.round(r.import.seconds)} s, projected (stopped at the time limit)`
          : `${r.import.seconds.toFixed(1)} s`) + (r.import.rows < 100_000 ? ' (fewer rows than the target is stated for)' : ''),
    });
  }
  if (r.sync && !r.sync.error && r.sync.applySeconds !== undefined) {
    out.push({
      name: `${r.sync.file} applies in < 5 s on the embedded database`,
      met: r.sync.applySeconds < 5,
      detail: `${r.sync.applySeconds.toFixed(1)} s in-process (${r.sync.seconds.toFixed(1)} s through the CLI, process start included)`,
    });
  }
  if (r.syncBig && !r.syncBig.error) {
    const x = r.syncBig;
    const full = x.accounts >= 100_000 && x.grants >= 1_000_000;
    out.push({
      name: 'a sync of 100,000 accounts and 1,000,000 grants applies in < 2 min on PostgreSQL',
      met: full && r.backend.kind === 'postgres' ? x.applySeconds < 120 : null,
      detail: `${x.applySeconds.toFixed(1)} s on ${r.backend.kind}${full ? '' : ' (smaller than the target is stated for)'}`,
    });
    out.push({
      name: 're-applying it unchanged writes nothing to the grant history',
      met: x.historyWrittenByReapply === 0,
      detail: `${x.historyWrittenByReapply} rows, re-apply ${x.reapplySeconds.toFixed(1)} s`,
    });
  }
  return out;
}
