// Rate limits on the token endpoint, per client_id and per client IP, so that
// nobody can guess secrets or burn CPU on signature checks at full speed.
// Counters live in each server's memory: with N servers behind a balancer the
// effective limit is up to N times the configured one.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, Code } from '../lib/errors.ts';
import { basicCredentials } from './basic-auth.ts';

export const TOKEN_PATH = '/auth/v1/token';
const WINDOW_MS = 60_000;

export type TokenRateLimits = { perClientPerMinute: number; perIpPerMinute: number };

type Limiter = (
  req: FastifyRequest,
) => Promise<{ isAllowed: true } | { isAllowed: false; isExceeded: boolean; ttlInSeconds: number }>;

function check(limiter: Limiter, what: string) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const res = await limiter(req);
    if (res.isAllowed || !res.isExceeded) return;
    const retryAfter = Math.max(1, res.ttlInSeconds);
    reply.header('retry-after', String(retryAfter));
    throw new ApiError(Code.RESOURCE_EXHAUSTED, `too many token requests for this ${what}; retry in ${retryAfter} s`);
  };
}

/** The client a token request names: in the form, or in an HTTP Basic header. */
const clientIdOf = (req: FastifyRequest): string | undefined => {
  const id = (req.body as { client_id?: unknown } | undefined)?.client_id;
  if (typeof id === 'string' && id !== '') return id;
  return basicCredentials(req.headers.authorization)?.clientId || undefined;
};

/** Registers the limits; call before the token route is added. */
export async function tokenRateLimits(app: FastifyInstance, limits: TokenRateLimits): Promise<void> {
  if (!limits.perClientPerMinute && !limits.perIpPerMinute) return;
  await app.register(rateLimit, { global: false });
  const hooks: { onRequest?: ReturnType<typeof check>; preHandler?: ReturnType<typeof check> } = {};
  if (limits.perIpPerMinute) {
    // Before the body is read: a flood from one address costs as little as possible.
    const perIp = app.createRateLimit({
      max: limits.perIpPerMinute,
      timeWindow: WINDOW_MS,
      keyGenerator: (req) => `ip:${req.ip}`,
    }) as Limiter;
    hooks.onRequest = check(perIp, 'address');
  }
  if (limits.perClientPerMinute) {
    const perClient = app.createRateLimit({
      max: limits.perClientPerMinute,
      timeWindow: WINDOW_MS,
      keyGenerator: (req) => `client:${clientIdOf(req)}`,
      // Requests without a client_id are refused anyway; the per-IP limit covers them.
      allowList: (req) => clientIdOf(req) === undefined,
    }) as Limiter;
    hooks.preHandler = check(perClient, 'client');
  }
  app.addHook('onRoute', (route) => {
    if (route.url !== TOKEN_PATH || route.method !== 'POST') return;
    for (const [name, hook] of Object.entries(hooks)) {
      const key = name as 'onRequest' | 'preHandler';
      const existing = route[key];
      route[key] = [...(existing ? (Array.isArray(existing) ? existing : [existing]) : []), hook] as never;
    }
  });
}
