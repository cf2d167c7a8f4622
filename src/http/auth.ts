// Bearer-token authentication for every /api/v1 route; what the caller may do is authorize.ts's.
import type { FastifyRequest } from 'fastify';
import { unauthenticated } from '../lib/errors.ts';
import type { TokensService } from '../modules/tokens/service.ts';

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i;

export function authHook(tokens: TokensService) {
  return async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? BEARER.exec(header.trim()) : null;
    if (!m) throw unauthenticated('missing or malformed Authorization header');
    req.principal = await tokens.verify(m[1]);
  };
}
