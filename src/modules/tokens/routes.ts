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
        summary: 'OAuth2 client-credentials token (C1 SDK flow)',
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
      if (req.validationError || basic === null) throw unauthenticated('invalid client credentials');
      return core.services.tokens.issue(req.body ?? {}, req.hostname, basic);
    },
  );
}
