// The API reference: the OpenAPI document (@fastify/swagger, served at
// /api/v1/openapi.json and /docs/json) and Swagger UI at /docs, titled with the
// server's name and version. Operations of C1 that Gatehouse does not implement
// answer 501 and are left out of both (src/http/unimplemented.ts).
import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { hoistSharedSchemas } from './openapi-components.ts';

/** name and version from package.json (src/ and dist/ both sit next to it). */
export const serverInfo: { name: string; version: string } = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
);

export const displayName = `${serverInfo.name.charAt(0).toUpperCase()}${serverInfo.name.slice(1)}`;

const DESCRIPTION = `A self-hosted server speaking the C1 (ConductorOne) API: C1's SDKs, \`cone\` and other clients work against it with only the server URL changed. Paths, operation ids, tags and JSON follow C1's OpenAPI document.

**Trying it here.** Click *Authorize* and fill \`client_id\` and \`client_secret\` under *oauth* with a client made by \`gatehouse clients create\`; Swagger UI fetches a token from \`/auth/v1/token\` and sends it on every *Try it out*. (Or paste an access token under *bearerAuth*.)

**Errors** are \`{"code", "message", "details"}\` (google.rpc.Status) with C1's HTTP statuses: 400 for bad input (the message names the field), 401 without a valid token, 403 for a write by a read-only client, 404 for an object that is not in the caller's tenant, 409 for a conflict, 429 when rate-limited, 503 when the database is unavailable.

**Not listed here:** the operations of C1's API that Gatehouse does not implement. They answer 501 \`{"code": 12, "message": "<operationId> is not implemented by Gatehouse", "details": []}\` to an authenticated caller, so a client can tell them from a missing object (404).`;

/** The server's name and version as an SVG, in place of Swagger UI's logo (the top bar is dark). */
const logo = (): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="40" viewBox="0 0 320 40">` +
  `<title>${displayName} ${serverInfo.version}</title>` +
  `<text x="0" y="29" font-family="sans-serif" fill="#ffffff">` +
  `<tspan font-size="24" font-weight="700">${displayName}</tspan>` +
  `<tspan font-size="16" dx="10" fill="#c8c8c8">v${serverInfo.version}</tspan></text></svg>`;

export async function registerDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: `${displayName} (C1 API)`, version: serverInfo.version, description: DESCRIPTION },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer' },
          // Relative: Swagger UI resolves it against the page, so /docs works on any host and port.
          oauth: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: '/auth/v1/token', scopes: {} } } },
        },
      },
      security: [{ bearerAuth: [] }, { oauth: [] }],
    },
    transformObject: (d) => ('openapiObject' in d ? hoistSharedSchemas(d.openapiObject) : d.swaggerObject),
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    logo: { type: 'image/svg+xml', content: Buffer.from(logo()), href: '/docs', target: '_self' },
    theme: { title: `${displayName} ${serverInfo.version}: API reference` },
    // Tags start closed: the whole C1 API at once is slow to draw, and a tag opens with one click.
    uiConfig: { displayOperationId: true, docExpansion: 'none' },
  });
}
