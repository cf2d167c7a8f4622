import type { Core } from '../../core.ts';
import { emptyRoute, listRoute, operations, route, searchRoute } from '../../http/routes.ts';
import type { Api } from '../../http/types.ts';
import {
  CreatePersonalClientRequest,
  CreatePersonalClientResponse,
  IdParams,
  PersonalClientListResponse,
  PersonalClientResponse,
  SearchPersonalClientsRequest,
  UpdatePersonalClientRequest,
} from './schemas.ts';

const OWN_ONLY =
  'Callers whose roles lack the `personal_clients:read_all` permission (all but Super Administrator and Read-Only Super ' +
  'Administrator) see only their own clients.';
const ANOTHERS =
  "Another person's client answers 404, as a missing one does, unless the caller's roles reach everyone's clients.";

export async function personalClientRoutes(api: Api, core: Core): Promise<void> {
  const pcs = core.services.personalClients;
  const tags = ['Personal Client'];
  const op = operations('c1.api.iam.v1.PersonalClientService', tags);

  route(
    api,
    'POST',
    '/iam/personal_clients',
    {
      ...op(
        'Create',
        'Create a personal client',
        "Makes an API client (credential) of the caller's user: it acts as that user, with the user's roles. " +
          '`displayName` (1 to 256 characters) is required. `allowSourceCidr` limits where its token requests may come ' +
          'from (IPv4/IPv6 CIDRs or addresses; a bad one is a 400 naming `allowSourceCidr[i]`). `expires` is a ' +
          'Duration (`"3600s"`, `"1.5s"`; positive, at most 100 years): `expiresTime` is now plus it. `scopedRoles` ' +
          "narrows it to some of the user's role ids (a role the user lacks is a 400; a caller that is itself scoped " +
          'cannot make a wider client, and its own scope is the default). The answer holds `clientSecret`, shown this ' +
          'once only. A service client (no user) gets 400 FAILED_PRECONDITION.',
      ),
      body: CreatePersonalClientRequest,
      response: CreatePersonalClientResponse,
    },
    (_tenant, _p, body, caller) => pcs.create(caller, body ?? {}),
  );

  listRoute(
    api,
    '/iam/personal_clients',
    {
      ...op(
        'List',
        'List personal clients',
        `Live personal clients (revoked ones are left out; service clients never appear), oldest first, paged by ` +
          `\`page_size\` and \`page_token\`. ${OWN_ONLY}`,
      ),
      response: PersonalClientListResponse,
    },
    (_tenant, _p, page, caller) => pcs.search(caller, {}, page),
  );

  route(
    api,
    'GET',
    '/iam/personal_clients/:id',
    {
      ...op('Get', 'Get a personal client', `The client whose credential \`id\` this is. ${ANOTHERS}`),
      params: IdParams,
      response: PersonalClientResponse,
    },
    async (tenant, p) => ({ client: await pcs.get(tenant, p.id) }),
  );

  route(
    api,
    'POST',
    '/iam/personal_clients/:id',
    {
      ...op(
        'Update',
        'Update a personal client',
        'Changes the fields named in `updateMask` (`displayName`, `allowSourceCidr`, `scopedRoles`, `expiresTime`; ' +
          'camelCase or snake_case, comma-separated; `*` for all): checked as on create; a masked field left out ' +
          'is cleared (no source limit, no scope, no expiry); `expiresTime` must be in the future. Read-only or unknown ' +
          `fields in the mask are a 400. The change applies to the client's next request. ${ANOTHERS}`,
      ),
      params: IdParams,
      body: UpdatePersonalClientRequest,
      response: PersonalClientResponse,
    },
    async (_tenant, p, b, caller) => ({ client: await pcs.update(caller, p.id, b?.client, b?.updateMask) }),
  );

  emptyRoute(
    api,
    'DELETE',
    '/iam/personal_clients/:id',
    {
      ...op(
        'Delete',
        'Delete (revoke) a personal client',
        'Revokes the client: it gets no new tokens, and the tokens it has stop working within ' +
          `GATEHOUSE_CLIENT_CACHE_SECONDS (default 30 s). ${ANOTHERS}`,
      ),
      params: IdParams,
    },
    (tenant, p) => pcs.delete(tenant, p.id),
  );

  searchRoute(
    api,
    '/search/iam/personal_clients',
    {
      operationId: 'c1.api.iam.v1.PersonalClientSearchService.Search',
      tags,
      summary: 'Search personal clients',
      description:
        'Live personal clients matching every filter given: `query` (case-insensitive substring of the display name) ' +
        `and \`users\` (UserRefs: their clients only). Paged by \`pageSize\`/\`pageToken\` in the body. ${OWN_ONLY}`,
      body: SearchPersonalClientsRequest,
      response: PersonalClientListResponse,
    },
    (_tenant, body, page, caller) => pcs.search(caller, body, page),
  );
}
