// Builds the Fastify app: parsers, validation, errors, logging, docs, health
// checks, the token endpoint and every /api/v1 module behind authentication.
import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { Core } from './core.ts';
import { apiHooks } from './http/api-hooks.ts';
import { authHook } from './http/auth.ts';
import { registerDocs } from './http/docs.ts';
import { clientErrorHandler, frameworkErrors, inputRefusedByDatabase } from './http/framework-errors.ts';
import { registerMetrics } from './http/metrics.ts';
import { tokenRateLimits } from './http/rate-limit.ts';
import { logRequest, RequestsInFlight } from './http/requests.ts';
import { HttpEdgeError, httpStatus, statusBody } from './http/status.ts';
import { unavailableError } from './http/timeouts.ts';
import type { Api } from './http/types.ts';
import { registerUnimplemented } from './http/unimplemented.ts';
import { lazySerializers, validationMessage, validatorCompiler } from './http/validation.ts';
import { ApiError, Code } from './lib/errors.ts';
import { modules } from './modules/registry.ts';
import { tokenRoutes } from './modules/tokens/routes.ts';

export const BODY_LIMIT = 1024 * 1024;

/** Route modules mounted under /api/v1 (the registry's, in its order); each takes the scope and the core. */
export const apiModules: Array<(api: Api, core: Core) => Promise<void>> = modules.flatMap((m) => (m.routes ? [m.routes] : []));

export type AppOptions = { logger?: FastifyServerOptions['logger']; https?: { cert: string; key: string } };

/** `bodyLimit`: the route's own limit when it sets one (the sync upload), else BODY_LIMIT. */
function toApiError(err: FastifyError, bodyLimit = BODY_LIMIT): ApiError {
  if (err instanceof ApiError) return err;
  if (err.validation) {
    return new ApiError(Code.INVALID_ARGUMENT, validationMessage(err.validation, err.validationContext ?? 'request'));
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpEdgeError(Code.RESOURCE_EXHAUSTED, `body: larger than ${bodyLimit} bytes`, 413);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpEdgeError(Code.INVALID_ARGUMENT, 'body: unsupported content type (use application/json)', 415);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(Code.INVALID_ARGUMENT, 'body: content length does not match');
    default:
      break;
  }
  const unavailable = unavailableError(err);
  if (unavailable) return unavailable;
  const refused = inputRefusedByDatabase(err);
  if (refused) return refused;
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new HttpEdgeError(Code.INVALID_ARGUMENT, err.message || 'bad request', err.statusCode);
  }
  return new ApiError(Code.INTERNAL, 'internal error');
}

export async function buildApp(core: Core, opts: AppOptions = {}): Promise<Api> {
  const app = Fastify({
    logger: opts.logger ?? false,
    https: opts.https ?? null,
    bodyLimit: BODY_LIMIT,
    // Fastify's own two lines per request are off; RequestsInFlight logs one (logRequest).
    logController: new LogController({ disableRequestLogging: true }),
    // Node's limit on receiving a request: the longer of the two (0 is none), so that a large sync
    // upload can arrive; RequestsInFlight holds every other route to its own limit.
    requestTimeout:
      core.config.requestTimeoutMs && core.config.syncTimeoutMs
        ? Math.max(core.config.requestTimeoutMs, core.config.syncTimeoutMs)
        : 0,
    connectionTimeout: 0,
    return503OnClosing: true,
    // Bad URLs and unparsable HTTP get the same error JSON as everything else.
    frameworkErrors,
    clientErrorHandler,
    trustProxy: core.config.trustProxy,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false } },
    schemaController: { compilersFactory: { buildSerializer: lazySerializers } },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as Api;

  app.setValidatorCompiler(validatorCompiler);
  app.decorateRequest('principal', null as never);

  // JSON bodies: an empty body means "no fields" (C1's SDK sends none for some updates).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ApiError(Code.INVALID_ARGUMENT, 'body: malformed JSON'), undefined);
    }
  });
  app.addHook('preValidation', (req, _reply, done) => {
    if ((req.body === undefined || req.body === null) && req.method !== 'GET' && req.method !== 'HEAD') req.body = {};
    done();
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const apiErr = toApiError(err, req.routeOptions.bodyLimit);
    if (apiErr.code === Code.INTERNAL) req.log.error({ err }, 'unhandled error');
    else if (apiErr.code === Code.UNAVAILABLE) req.log.warn({ err }, 'database unavailable or too slow');
    reply.status(httpStatus(apiErr)).send(statusBody(apiErr));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ code: Code.NOT_FOUND, message: `no route for ${req.method} ${req.url.split('?')[0]}`, details: [] });
  });

  // In flight, time limits, and once answered one log line and the metrics.
  const requests = new RequestsInFlight(core.config.requestTimeoutMs);
  requests.register(app as unknown as FastifyInstance);
  requests.onAnswered(logRequest);
  registerMetrics(app as unknown as FastifyInstance, core, requests);
  await tokenRateLimits(app, {
    perClientPerMinute: core.config.tokenRatePerMinute,
    perIpPerMinute: core.config.tokenRatePerIpPerMinute,
  });

  await registerDocs(app as unknown as FastifyInstance);

  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await core.database.ping();
      return { status: 'ok' };
    } catch {
      return reply.status(503).send({ code: Code.UNAVAILABLE, message: 'database unavailable', details: [] });
    }
  });

  await app.register(async (scope) => tokenRoutes(scope as Api, core));
  // Routes without a bearer token (the JWKS, webhook callbacks): each module's own scope.
  for (const m of modules) {
    const publicRoutes = m.publicRoutes;
    if (publicRoutes) await app.register(async (scope) => publicRoutes(scope as Api, core));
  }
  await app.register(
    async (api) => {
      apiHooks(api as unknown as FastifyInstance, core.services);
      for (const mod of apiModules) await mod(api as Api, core);
    },
    { prefix: '/api/v1' },
  );
  // Last: the C1 operations no module serves answer 501 (after authentication).
  await registerUnimplemented(app as unknown as FastifyInstance, authHook(core.services.tokens));
  return app;
}
