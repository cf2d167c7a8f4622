// Query plans of the real queries: a request goes through the real route (in
// process, via inject) while Drizzle's logger records every statement it runs;
// each SELECT is then run again under EXPLAIN (ANALYZE, BUFFERS).
import type { Seeder } from './seed.ts';

export type Plan = { sql: string; params: unknown[]; plan: string; executionMs?: number; indexes: string[] };
export type ExplainResult = { name: string; request: string; plans: Plan[]; main?: Plan };

type Logger = { logQuery(query: string, params: unknown[]): void };
type SessionLike = { logger: Logger; options: { logger?: Logger }; client: QueryClient };
type QueryClient = { query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }> };

/** Runs `fn` and returns every statement Drizzle sent meanwhile. */
async function capture(s: Seeder, fn: () => Promise<unknown>): Promise<{ sql: string; params: unknown[] }[]> {
  const session = (s.core.database.db as unknown as { session: SessionLike }).session;
  const seen: { sql: string; params: unknown[] }[] = [];
  const logger: Logger = { logQuery: (q, params) => seen.push({ sql: q, params }) };
  const before = { logger: session.logger, options: session.options.logger };
  session.logger = logger;
  session.options.logger = logger; // sessions of transactions are made from these options
  try {
    await fn();
  } finally {
    session.logger = before.logger;
    session.options.logger = before.options;
  }
  return seen;
}

async function explain(s: Seeder, q: { sql: string; params: unknown[] }): Promise<Plan> {
  const client = (s.core.database.db as unknown as { session: SessionLike }).session.client;
  const res = await client.query(`explain (analyze, buffers) ${q.sql}`, q.params);
  const plan = res.rows.map((r) => String(Object.values(r)[0])).join('\n');
  const ms = /Execution Time: ([\d.]+) ms/.exec(plan);
  const indexes = [
    ...new Set(
      [...plan.matchAll(/Index (?:Only )?Scan (?:Backward )?using (\w+)|Bitmap Index Scan on (\w+)/g)].map((m) => m[1] ?? m[2]),
    ),
  ];
  return { sql: q.sql, params: q.params, plan, executionMs: ms ? Number(ms[1]) : undefined, indexes };
}

/**
 * Plans of every SELECT one request runs; `main` is the one reading `table`
 * with a LIMIT (the page query), the others are look-ups around it.
 */
export async function explainRequest(
  s: Seeder,
  name: string,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  table: string,
): Promise<ExplainResult> {
  // Once to warm caches the way a running server has them, once to capture.
  await s.api(method, path, body);
  const queries = await capture(s, () => s.api(method, path, body));
  const plans: Plan[] = [];
  for (const q of queries) if (/^\s*select/i.test(q.sql)) plans.push(await explain(s, q));
  const main = plans.find((p) => p.sql.includes(`"${table}"`) && /\blimit\b/i.test(p.sql));
  return { name, request: `${method} ${path}${body ? ` ${JSON.stringify(body)}` : ''}`, plans, main };
}
