// Every request's life at the edge: counted in flight, held to its time limit, and when
// answered, one log line and its metrics. Two synchronous hooks and one sweep timer per app,
// instead of a timer, a 'close' listener and four promise hooks per request: this is work
// every request pays for, GET app's included (see the bench's target against bare Fastify).
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import pino from 'pino';
import { ApiError, Code } from '../lib/errors.ts';
import { statusBody } from './status.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's own time limit (ms, 0: none), instead of GATEHOUSE_REQUEST_TIMEOUT_MS. */
    timeoutMs?: number;
  }
}

/** Called once per answered request, after the answer is sent. */
export type Answered = (req: FastifyRequest, reply: FastifyReply) => void;

/** The longest wait between two looks at the requests in flight. */
const SWEEP_MAX_MS = 1000;

/** An answer sent, or a client gone: nothing more will be written. */
function finished(reply: FastifyReply): boolean {
  const res = reply.raw;
  return res.writableEnded || res.destroyed || res.socket?.destroyed === true;
}

export class RequestsInFlight {
  /** Each request being handled, with the moment (performance.now()) it times out. */
  private readonly open = new Map<FastifyReply, number>();
  private readonly answered: Answered[] = [];
  private readonly sweepMs: number;
  private timer: NodeJS.Timeout | undefined;

  /**
   * `timeoutMs`: the limit of a route without its own (0: none). It is checked every tenth of
   * the limit, at most every second: a request times out within 10% (or 1 s) after its limit.
   */
  constructor(private readonly timeoutMs: number) {
    this.sweepMs = timeoutMs ? Math.min(SWEEP_MAX_MS, Math.max(5, Math.round(timeoutMs / 10))) : SWEEP_MAX_MS;
  }

  /** Adds the hooks to `app`; the sweep stops when the app closes. */
  register(app: FastifyInstance): void {
    app.addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      const ms = this.limitOf(req);
      this.open.set(reply, ms ? performance.now() + ms : Number.POSITIVE_INFINITY);
      done();
    });
    app.addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      this.open.delete(reply);
      for (const fn of this.answered) fn(req, reply);
      done();
    });
    this.timer = setInterval(() => this.sweep(), this.sweepMs);
    this.timer.unref();
    app.addHook('onClose', (_app, done) => {
      clearInterval(this.timer);
      done();
    });
  }

  /** The request's time limit in ms (0: none): its route's own, else the default. */
  private limitOf(req: FastifyRequest): number {
    return req.routeOptions.config?.timeoutMs ?? this.timeoutMs;
  }

  onAnswered(fn: Answered): void {
    this.answered.push(fn);
  }

  /** Requests received and not yet answered (a client that went away no longer counts). */
  count(): number {
    let n = 0;
    for (const reply of this.open.keys()) if (!finished(reply)) n++;
    return n;
  }

  /** Answers 503 to each request past its limit (the handler runs on; its late answer is dropped). */
  private sweep(): void {
    const now = performance.now();
    for (const [reply, deadline] of this.open) {
      if (finished(reply)) {
        this.open.delete(reply);
        continue;
      }
      if (now < deadline || reply.sent) continue;
      this.open.delete(reply);
      const req = reply.request;
      const ms = this.limitOf(req);
      req.log.warn({ route: req.routeOptions.url, timeoutMs: ms }, 'request timed out');
      reply
        .status(503)
        .header('retry-after', '1')
        .send(statusBody(new ApiError(Code.UNAVAILABLE, `request timed out after ${ms} ms; try again later`)));
    }
  }
}

const { chindingsSym, streamSym } = pino.symbols;
type LineWriter = { write(line: string): unknown };

/**
 * The one log line per request; never headers or bodies (tokens, secrets, assertions). Written
 * as pino writes `req.log.info({ method, route, status, latencyMs }, 'request')`, byte for byte
 * (Gatehouse's logger keeps pino's default level names, time and message key), but put
 * together directly: pino's generic formatting was a tenth of what this line cost GET app.
 */
export const logRequest: Answered = (req, reply) => {
  const route = req.routeOptions.url ?? 'unmatched';
  const latencyMs = Math.round(reply.elapsedTime * 100) / 100;
  const log = req.log as pino.Logger;
  const own = log as unknown as Record<symbol, unknown>;
  const stream = own[streamSym] as LineWriter | undefined;
  if (!stream || typeof log.isLevelEnabled !== 'function') {
    // Not a pino logger (an app built without one): its own way.
    req.log.info({ method: req.method, route, status: reply.statusCode, latencyMs }, 'request');
    return;
  }
  if (!log.isLevelEnabled('info')) return;
  stream.write(
    `{"level":30,"time":${Date.now()}${(own[chindingsSym] as string | undefined) ?? ''},"method":${JSON.stringify(req.method)},` +
      `"route":${JSON.stringify(route)},"status":${reply.statusCode},"latencyMs":${latencyMs},"msg":"request"}\n`,
  );
};
