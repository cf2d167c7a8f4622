import { Type } from '@sinclair/typebox';
import type { Core } from '../../core.ts';
import { emptyRoute, listRoute, operations, route, searchRoute } from '../../http/routes.ts';
import { Id } from '../../http/schemas.ts';
import type { Api } from '../../http/types.ts';
import {
  CreatePolicyRequest,
  EditorValidateRequest,
  EditorValidateResponse,
  PolicyListResponse,
  PolicyResponse,
  SearchPoliciesRequest,
  UpdatePolicyRequest,
} from './schemas.ts';

const STORED = 'Grant and revoke tasks run these policies (docs/tasks.md says which steps the engine runs).';

export async function policyRoutes(api: Api, core: Core): Promise<void> {
  const policies = core.services.policies;
  const tags = ['Policy'];
  const op = operations('c1.api.policy.v1.Policies', tags);
  const IdParams = Type.Object({ id: Id });

  route(
    api,
    'POST',
    '/policies',
    {
      ...op(
        'Create',
        'Create a policy',
        'Creates a policy and answers it. `policySteps` must have the baseline key (the type in lower case: `grant`, ' +
          '`revoke`, `certify`, `access_request`, `provision`); each rule names a key and has a CEL condition that ' +
          'compiles; each step and approval has exactly one kind. Users, entitlements, policies and webhooks it names must exist. ' +
          'Agent, form and action kinds are a 400 (not supported yet); every problem is a 400 naming its path. ' +
          STORED,
      ),
      body: CreatePolicyRequest,
      response: PolicyResponse,
    },
    async (tenant, _p, body) => ({ policy: await policies.create(tenant, body) }),
  );

  listRoute(
    api,
    '/policies',
    {
      ...op('List', 'List policies', "The tenant's policies (the built-in ones first), paged by `page_size` and `page_token`."),
      response: PolicyListResponse,
    },
    (tenant, _p, page) => policies.search(tenant, {}, page),
  );

  route(
    api,
    'GET',
    '/policies/:id',
    {
      ...op('Get', 'Get a policy', 'The policy; 404 when the tenant has none with this id.'),
      params: IdParams,
      response: PolicyResponse,
    },
    async (tenant, p) => ({ policy: await policies.get(tenant, p.id) }),
  );

  route(
    api,
    'POST',
    '/policies/:id',
    {
      ...op(
        'Update',
        'Update a policy',
        'Changes the fields named in `updateMask` (camelCase or snake_case; `*` for all) and answers the policy; the ' +
          'result is checked whole, as on create. A built-in policy cannot be edited, and the type of a policy in use ' +
          'cannot change (400, code 9). Read-only fields in the mask are a 400; an unknown policy is a 404.',
      ),
      params: IdParams,
      body: UpdatePolicyRequest,
      response: PolicyResponse,
    },
    async (tenant, p, b) => ({ policy: await policies.update(tenant, p.id, b.policy, b.updateMask) }),
  );

  emptyRoute(
    api,
    'DELETE',
    '/policies/:id',
    {
      ...op(
        'Delete',
        'Delete a policy',
        'Deletes the policy. A built-in policy, or one an app or entitlement uses, is not deleted: 400 (code 9) naming ' +
          'a user of it. 404 for an unknown policy.',
      ),
      params: IdParams,
    },
    (tenant, p) => policies.delete(tenant, p.id),
  );

  searchRoute(
    api,
    '/search/policies',
    {
      operationId: 'c1.api.policy.v1.PolicySearch.Search',
      tags,
      summary: 'Search policies',
      description:
        'Policies matching every filter given: `query` (case-insensitive substring of the display name), ' +
        '`displayName` (case-insensitive, whole), `policyTypes`, `refs` (ids), `excludePolicyIds`. Deleted policies ' +
        'are not kept, so `includeDeleted` changes nothing. Paged by `pageSize`/`pageToken`.',
      body: SearchPoliciesRequest,
      response: PolicyListResponse,
    },
    (tenant, body, page) => policies.search(tenant, body, page),
  );

  route(
    api,
    'POST',
    '/policies/validate/cel',
    {
      operationId: 'c1.api.policy.v1.PolicyValidate.ValidateCEL',
      tags,
      summary: 'Check a CEL expression',
      description:
        'Compiles `text` as a policy expression (variables `subject`, `entitlement`, `task`; docs/policies.md) and ' +
        'answers its problems as editor markers (1-based lines and columns, severity ERROR); `markers` is empty ' +
        'when it compiles.',
      body: EditorValidateRequest,
      response: EditorValidateResponse,
    },
    async (_tenant, _p, body) => ({ markers: policies.validateCel(body.text ?? '') }),
  );
}
