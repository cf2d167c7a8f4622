// Load generator, run as its own process by the bench so that its CPU use is
// not the server's: drives one scenario with autocannon (fixed connections and
// duration, after a warm-up) and prints its figures as one JSON line.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { type RequestFactory, type RequestTemplate, requestFactory } from './lib/requests.ts';

export type LoadSpec = RequestTemplate & {
  url: string;
  connections: number;
  duration: number;
  warmup: number;
  /** The server's process, whose CPU time over the measured run is reported per request. */
  serverPid?: number;
};

export type LoadResult = {
  requests: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  seconds: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Assertions signed during the measured run because the pre-signed ones ran out. */
  signedDuringRun?: number;
  /**
   * The server process's CPU time (user + system) over the measured run per request answered, in
   * µs: unlike requests/s, it does not depend on how the two cores were shared at that moment.
   */
  serverCpuUs?: number;
};

/** CPU time of a process so far, in ms (clock ticks of 10 ms); undefined when it cannot be read. */
function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(spec: LoadSpec, seconds: number, factory: RequestFactory): Promise<LoadResult> {
  let lat = new Float64Array(1 << 16);
  let n = 0;
  const started = process.hrtime.bigint();
  let done!: (r: autocannon.Result) => void;
  let failed!: (err: unknown) => void;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const options: autocannon.Options = {
    url: spec.url,
    connections: spec.connections,
    duration: seconds,
    timeout: 10,
    requests: [
      {
        method: spec.method,
        headers: spec.headers,
        setupRequest: (req) => {
          const r = factory.next();
          req.path = r.path;
          if (r.body !== undefined) req.body = r.body;
          return req;
        },
      },
    ],
  };
  const instance = autocannon(options, (err, res) => (err ? failed(err) : done(res)));
  // autocannon's own histogram is in whole milliseconds; keep exact latencies of 2xx answers.
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status < 200 || status > 299) return;
    if (n === lat.length) {
      const bigger = new Float64Array(lat.length * 2);
      bigger.set(lat);
      lat = bigger;
    }
    lat[n++] = ms;
  });
  const result = await finished;
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const sorted = lat.subarray(0, n).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = (v as { count: number }).count;
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    requests: result.requests.total,
    ok: n,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    seconds: round(elapsed),
    rps: Math.round(n / Math.min(elapsed, seconds)),
    latencyMs: {
      p50: round(percentile(sorted, 50)),
      p90: round(percentile(sorted, 90)),
      p99: round(percentile(sorted, 99)),
      max: round(n ? sorted[n - 1] : 0),
      mean: round(n ? sum / n : 0),
    },
  };
}

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2], 'utf8')) as LoadSpec;
  // Pre-sign generously so that signing does not load this process during the run.
  const factory = requestFactory(spec, spec.assertion ? 4000 * (spec.duration + spec.warmup) : 0);
  if (spec.warmup > 0) await run(spec, spec.warmup, factory);
  factory.signedOnDemand = 0;
  const cpu0 = cpuMsOf(spec.serverPid);
  const result = await run(spec, spec.duration, factory);
  const cpu1 = cpuMsOf(spec.serverPid);
  if (cpu0 !== undefined && cpu1 !== undefined && result.requests > 0) {
    result.serverCpuUs = Math.round(((cpu1 - cpu0) * 1000) / result.requests);
  }
  if (spec.assertion) result.signedDuringRun = factory.signedOnDemand;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
