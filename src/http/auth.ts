// Bearer-token authentication and the read-only role, for every /api/v1 route.
import type { FastifyRequest } from 'fastify';
import { permissionDenied, unauthenticated } from '../lib/errors.ts';
import type { TokensService } from '../modules/tokens/service.ts';

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i;

/** Searches are POSTs but only read. */
export function isWrite(req: FastifyRequest): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false;
  return !(req.routeOptions.url ?? req.url).startsWith('/api/v1/search/');
}

export function authHook(tokens: TokensService) {
  return async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? BEARER.exec(header.trim()) : null;
    if (!m) throw unauthenticated('missing or malformed Authorization header');
    req.principal = await tokens.verify(m[1]);
    if (req.principal.role !== 'admin' && isWrite(req)) {
      throw permissionDenied('this client is read-only');
    }
  };
}
