import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { emptyRoute, listRoute, operations, route, searchRoute } from '../../http/routes.ts';
import { Empty, EmptyBody, Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import {
  CreateWebhookRequest,
  SearchWebhooksRequest,
  TestWebhookResponse,
  UpdateWebhookRequest,
  WebhookListResponse,
  WebhookResponse,
} from './schemas.ts';

export async function webhookRoutes(api: Api, core: Core): Promise<void> {
  const webhooks = core.services.webhooks;
  const tags = ['Webhook'];
  const op = operations('c1.api.webhooks.v1.WebhooksService', tags);
  const IdParams = Type.Object({ id: Id });
  const destinations =
    'The `url` must be https to a public address; plain http and private or loopback addresses only when the server runs ' +
    'with `GATEHOUSE_WEBHOOK_ALLOW_PRIVATE=true` (the default in embedded mode). Else a 400 naming the field.';

  route(
    api,
    'POST',
    '/webhooks',
    {
      ...op(
        'Create',
        'Create a webhook',
        `A destination that policies' webhook steps and the Test operation send signed requests to (see docs/webhooks.md). ${destinations} ` +
          '`callbackTimeout` (a Duration like `"3600s"`, default 8 days) bounds how long a receiver that answered 202 may take to call back.',
      ),
      body: CreateWebhookRequest,
      response: WebhookResponse,
    },
    async (tenant, _p, body) => ({ webhook: await webhooks.create(tenant, body) }),
  );

  listRoute(
    api,
    '/webhooks',
    {
      ...op('List', 'List webhooks', "The tenant's webhooks, oldest first, paged by `page_size` and `page_token`."),
      response: WebhookListResponse,
    },
    (tenant, _p, page) => webhooks.search(tenant, {}, page),
  );

  route(
    api,
    'GET',
    '/webhooks/:id',
    {
      ...op('Get', 'Get a webhook', '404 when no webhook of the tenant has this id.'),
      params: IdParams,
      response: WebhookResponse,
    },
    async (tenant, p) => ({ webhook: await webhooks.get(tenant, p.id) }),
  );

  route(
    api,
    'POST',
    '/webhooks/:id',
    {
      ...op(
        'Update',
        'Update a webhook',
        `Changes the fields named in \`updateMask\` (\`displayName\`, \`description\`, \`url\`; \`*\` for all) and answers the webhook. ${destinations} ` +
          'Instances already made keep the URL they were made with. Read-only fields in the mask are a 400; an unknown webhook a 404.',
      ),
      params: IdParams,
      body: UpdateWebhookRequest,
      response: WebhookResponse,
    },
    async (tenant, p, b) => ({ webhook: await webhooks.update(tenant, p.id, b.webhook, b.updateMask) }),
  );

  emptyRoute(
    api,
    'DELETE',
    '/webhooks/:id',
    {
      ...op(
        'Delete',
        'Delete a webhook',
        'Deletes the webhook and its instances: those not yet sent are not sent, and their callbacks answer 404. 404 for an unknown webhook.',
      ),
      params: IdParams,
    },
    (tenant, p) => webhooks.delete(tenant, p.id),
  );

  route(
    api,
    'POST',
    '/webhooks/:id/test',
    {
      ...op(
        'Test',
        'Send a test payload',
        'Makes an instance with the `c1.webhooks.v1.PayloadTest` payload and answers it (state `WEBHOOK_STATE_PENDING`); the delivery ' +
          'worker sends it at once, signed, with retries as for every instance. 404 for an unknown webhook.',
      ),
      params: IdParams,
      body: EmptyBody,
      response: TestWebhookResponse,
    },
    async (tenant, p) => ({ webhook: await webhooks.test(tenant, p.id) }),
  );

  searchRoute(
    api,
    '/search/webhooks',
    {
      operationId: 'c1.api.webhooks.v1.WebhooksSearch.Search',
      tags,
      summary: 'Search webhooks',
      description:
        'Webhooks matching every filter given: `query` (case-insensitive substring of the name, description or URL) and `refs` ' +
        '(ids). Paged by `pageSize`/`pageToken` in the body.',
      body: SearchWebhooksRequest,
      response: WebhookListResponse,
    },
    (tenant, body, page) => webhooks.search(tenant, body, page),
  );
}

const Jwks = Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) });

/** Unauthenticated: receivers fetch the keys, and answer a 202 through the callback URL they were given. */
export async function webhookPublicRoutes(app: Api, core: Core): Promise<void> {
  const webhooks = core.services.webhooks;
  app.get(
    '/auth/v1/jwks',
    {
      schema: {
        operationId: 'gatehouse.Jwks',
        tags: ['Webhook'],
        summary: 'Keys that verify webhook signatures (JWK Set)',
        description:
          "The public Ed25519 keys (EdDSA) that sign webhook deliveries' `Authorization` JWTs: every tenant's current key and " +
          'retired keys until their last signature has expired, each named by its `kid` (unique across tenants). ' +
          "`?tenant=<domain>` keeps one tenant's keys (an unknown tenant: no keys). No authentication.",
        security: [],
        querystring: Type.Object({ tenant: Type.Optional(Type.String({ maxLength: 253 })) }),
        response: { 200: Jwks },
      },
    },
    async (req, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      const domain = (req.query as { tenant?: string }).tenant;
      if (domain === undefined) return webhooks.keys.jwks();
      const tenant = await core.services.tenants.getByDomain(domain).catch(() => undefined);
      return tenant ? webhooks.keys.jwks(tenant.id) : { keys: [] };
    },
  );

  app.post(
    '/api/v1/webhooks/callback/:token',
    {
      schema: {
        operationId: 'gatehouse.WebhookCallback',
        tags: ['Webhook'],
        summary: 'Answer a webhook later (after a 202)',
        description:
          'The receiver of a delivery that answered 202 posts its answer here, at the `callbackUrl` it was sent. The token in the ' +
          "path is the credential: single-use, valid until the instance's `expiresAt`. Answers `{}`; a used, expired or unknown " +
          'token is a 404; a body that is not a JSON object, or an answer the step cannot take, a 400 (and the token stays usable).',
        security: [],
        params: Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) }),
        body: Type.Unknown(),
        response: { 200: Empty },
      },
    },
    async (req) => {
      await webhooks.callback((req.params as { token: string }).token, req.body);
      return {};
    },
  );
}
