import formbody from '@fastify/formbody';
import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { basicCredentials } from '../../http/basic-auth.ts';
import type { Api } from '../../http/types.ts';
import { unauthenticated } from '../../lib/errors.ts';

const TokenRequest = Type.Object(
  {
    grant_type: Type.Optional(Type.String({ maxLength: 64 })),
    client_id: Type.Optional(Type.String({ maxLength: 512 })),
    client_assertion_type: Type.Optional(Type.String({ maxLength: 256 })),
    client_assertion: Type.Optional(Type.String({ maxLength: 8192 })),
    client_secret: Type.Optional(Type.String({ maxLength: 1024 })),
    // OAuth clients may add these; they change nothing here.
    scope: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: true },
);

const TokenResponse = Type.Object({
  access_token: Type.String(),
  token_type: Type.String(),
  expires_in: Type.Integer(),
});

export async function tokenRoutes(app: Api, core: Core): Promise<void> {
  // Form bodies are for this endpoint only (this scope); the API takes JSON.
  await app.register(formbody);
  app.post(
    '/auth/v1/token',
    {
      schema: {
        operationId: 'gatehouse.Token',
        tags: ['Auth'],
        summary: 'Get an access token (OAuth2 client credentials)',
        description:
          'Issues a bearer token for a client made by `gatehouse clients create`. The client proves itself in one of ' +
          "three ways: C1's SDK flow (`client_id` and an EdDSA-signed `client_assertion`, each usable once); the client " +
          'secret in the form (`client_id`, `client_secret`; for curl); or HTTP Basic with the id and secret ' +
          '(client_secret_basic, RFC 6749 §2.3.1: what the Authorize button here and most OAuth2 libraries send; ' +
          'URL-encoded or not). Any bad credential is the same 401 `invalid client credentials`; credentials in both the ' +
          'header and the body are a 400 `invalid_request`; a personal client with `allowSourceCidr` gets tokens only for ' +
          'requests from those ranges (the same 401 otherwise); too many requests per client or address are a 429 with ' +
          '`Retry-After`. The body is `application/x-www-form-urlencoded`.',
        // No bearer token here: this is where it comes from.
        security: [],
        body: TokenRequest,
        response: { 200: TokenResponse },
      },
      // A malformed form is refused like any other bad credential: the same 401.
      attachValidation: true,
    },
    async (req, reply) => {
      reply.header('cache-control', 'no-store');
      // A Basic header that cannot be read is a bad credential like any other: the same 401.
      const basic = basicCredentials(req.headers.authorization);
      if (req.validationError || basic === null) {
        req.log.warn({ ip: req.ip }, 'token refused: unreadable request');
        throw unauthenticated('invalid client credentials');
      }
      try {
        return await core.services.tokens.issue(req.body ?? {}, req.hostname, basic, req.ip, req.id);
      } catch (err) {
        // Every refusal in the server's log; those of a known client are in its tenant's system log too.
        req.log.warn(
          { ip: req.ip, clientId: basic?.clientId ?? req.body?.client_id, err: (err as Error).message },
          'token refused',
        );
        throw err;
      }
    },
  );
}
