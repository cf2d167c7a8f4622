// Bounded waiting: database errors that mean "try again later" (statement timeout,
// no free pool connection, database down) answer 503, never 500, as a request past
// GATEHOUSE_REQUEST_TIMEOUT_MS does (requests.ts).
import { ApiError, Code, pgErrorCode } from '../lib/errors.ts';

/** PostgreSQL SQLSTATEs that mean the database cannot serve the query right now. */
const UNAVAILABLE_SQLSTATES = new Set([
  '57014', // query_canceled: statement_timeout fired
  '55P03', // lock_not_available
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres reports these without a code.
const UNAVAILABLE_MESSAGES = [/timeout exceeded when trying to connect/i, /connection terminated/i];

function* chain(err: unknown): Generator<{ code?: unknown; message?: unknown }> {
  let e: unknown = err;
  // Drizzle wraps driver errors in `cause`.
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) {
    yield e as { code?: unknown; message?: unknown };
    e = (e as { cause?: unknown }).cause;
  }
}

/** A 503 UNAVAILABLE when `err` says the database is slow or unreachable. */
export function unavailableError(err: unknown): ApiError | undefined {
  const sqlstate = pgErrorCode(err);
  if (sqlstate === '57014') return new ApiError(Code.UNAVAILABLE, 'database query timed out; try again later');
  if (sqlstate && (UNAVAILABLE_SQLSTATES.has(sqlstate) || sqlstate.startsWith('08'))) {
    return new ApiError(Code.UNAVAILABLE, 'database unavailable; try again later');
  }
  for (const e of chain(err)) {
    const msg = typeof e.message === 'string' ? e.message : '';
    if (UNAVAILABLE_MESSAGES[0].test(msg)) {
      return new ApiError(Code.UNAVAILABLE, 'no database connection free; try again later');
    }
    if ((typeof e.code === 'string' && UNAVAILABLE_ERRNOS.has(e.code)) || UNAVAILABLE_MESSAGES[1].test(msg)) {
      return new ApiError(Code.UNAVAILABLE, 'database unavailable; try again later');
    }
  }
  return undefined;
}
