// C1's policies (c1.api.policy.v1): one schema per message, used for requests and answers
// alike. Fields C1's newer SDKs add (sdk-fields.md) are declared where Gatehouse stores them.
// Kinds Gatehouse does not support yet (agent, form, action, connector, external
// ticket) are declared as open objects so that the service can refuse them by name.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import {
  IdList,
  IdRefs,
  LooseObject,
  Name,
  pageResponse,
  SearchText,
  StringEnum,
  searchRequest,
  strictObject,
  Timestamp,
  updateRequest,
} from '../../http/schemas.ts';

export const POLICY_TYPES = [
  'POLICY_TYPE_GRANT',
  'POLICY_TYPE_REVOKE',
  'POLICY_TYPE_CERTIFY',
  'POLICY_TYPE_ACCESS_REQUEST',
  'POLICY_TYPE_PROVISION',
] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];
/** C1's enum, UNSPECIFIED included: the service refuses it by name rather than the schema by a list. */
const PolicyTypeEnum = StringEnum(['POLICY_TYPE_UNSPECIFIED', ...POLICY_TYPES]);

const opt = <T extends TSchema>(s: T) => Type.Optional(s);
const Text = Type.String({ maxLength: 4096 });
const Expression = Type.String({ maxLength: 4096 });
const RefId = Type.String({ maxLength: 64 });
const UserIds = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100 });
/** A proto Duration ("3600s"). */
const Duration = Type.String({ maxLength: 32, pattern: '^[0-9]{1,12}(\\.[0-9]{1,9})?s$' });
const Open = LooseObject;

const AppEntitlementReference = strictObject({ appId: opt(RefId), appEntitlementId: opt(RefId) });
/** Fields every approval of users found at run time shares (the SDK's fallback groups included). */
const fallback = {
  allowSelfApproval: opt(Type.Boolean()),
  fallback: opt(Type.Boolean()),
  fallbackUserIds: opt(UserIds),
  fallbackGroupIds: opt(Type.Array(AppEntitlementReference, { maxItems: 100 })),
  isGroupFallbackEnabled: opt(Type.Boolean()),
  requireDistinctApprovers: opt(Type.Boolean()),
};

export const Approval = strictObject({
  users: opt(
    strictObject({
      userIds: opt(UserIds),
      allowSelfApproval: opt(Type.Boolean()),
      requireDistinctApprovers: opt(Type.Boolean()),
    }),
  ),
  manager: opt(strictObject(fallback)),
  appOwners: opt(strictObject({ allowSelfApproval: opt(Type.Boolean()), requireDistinctApprovers: opt(Type.Boolean()) })),
  entitlementOwners: opt(strictObject(fallback)),
  resourceOwners: opt(strictObject(fallback)),
  self: opt(strictObject(fallback)),
  group: opt(strictObject({ appId: opt(RefId), appGroupId: opt(RefId), ...fallback })),
  expression: opt(strictObject({ expressions: opt(Type.Array(Expression, { maxItems: 16 })), ...fallback })),
  webhook: opt(strictObject({ webhookId: opt(RefId) })),
  agent: opt(Open),
  allowDelegation: opt(Type.Boolean()),
  allowReassignment: opt(Type.Boolean()),
  allowedReassignees: opt(UserIds),
  requireApprovalReason: opt(Type.Boolean()),
  requireDenialReason: opt(Type.Boolean()),
  requireReassignmentReason: opt(Type.Boolean()),
  requiresStepUpProviderId: opt(RefId),
  escalationEnabled: opt(Type.Boolean()),
  escalation: opt(
    strictObject({
      escalationComment: opt(Text),
      expiration: opt(Type.String({ maxLength: 20, pattern: '^[0-9]+$' })),
      reassignToApprovers: opt(strictObject({ approverIds: opt(UserIds) })),
      replacePolicy: opt(strictObject({ policyId: opt(RefId) })),
      cancelTicket: opt(strictObject({})),
      skipStep: opt(strictObject({})),
    }),
  ),
});
export type Approval = Static<typeof Approval>;

const provisionKinds = {
  manual: opt(strictObject({ instructions: opt(Text), userIds: opt(UserIds), provisionerAssignment: opt(Open) })),
  unconfigured: opt(strictObject({})),
  delegated: opt(strictObject({ appId: opt(RefId), entitlementId: opt(RefId), implicit: opt(Type.Boolean()) })),
  connector: opt(Open),
  externalTicket: opt(Open),
  webhook: opt(strictObject({ webhookId: opt(RefId) })),
  action: opt(Open),
};
/** How a provision step provisions; multiStep lists such ways (one level deep). */
export const ProvisionPolicy = strictObject({
  ...provisionKinds,
  multiStep: opt(strictObject({ provisionSteps: opt(Type.Array(strictObject(provisionKinds), { maxItems: 16 })) })),
});
export type ProvisionPolicy = Static<typeof ProvisionPolicy>;

export const PolicyStep = strictObject({
  approval: opt(Approval),
  accept: opt(strictObject({ acceptMessage: opt(Text) })),
  reject: opt(strictObject({ rejectMessage: opt(Text) })),
  provision: opt(
    strictObject({
      assigned: opt(Type.Boolean()),
      provisionPolicy: opt(ProvisionPolicy),
      provisionTarget: opt(
        strictObject({
          appId: opt(RefId),
          appEntitlementId: opt(RefId),
          appUserId: opt(RefId),
          grantDuration: opt(Duration),
        }),
      ),
    }),
  ),
  wait: opt(
    strictObject({
      name: opt(Type.String({ maxLength: 256 })),
      condition: opt(strictObject({ condition: opt(Expression) })),
      duration: opt(strictObject({ duration: opt(Duration) })),
      untilTime: opt(
        strictObject({
          hours: opt(Type.Integer({ minimum: 0, maximum: 23 })),
          minutes: opt(Type.Integer({ minimum: 0, maximum: 59 })),
          timezone: opt(Type.String({ maxLength: 64 })),
        }),
      ),
      timeoutDuration: opt(Duration),
      commentOnFirstWait: opt(Text),
      commentOnTimeout: opt(Text),
    }),
  ),
  form: opt(Open),
  action: opt(Open),
});
export type PolicyStep = Static<typeof PolicyStep>;

export const PolicySteps = strictObject({ steps: opt(Type.Array(PolicyStep, { maxItems: 32 })) });
/** Keys of policySteps: the baseline (the type in lower case) and the names rules give. */
const StepsMap = Type.Record(Type.String({ minLength: 1, maxLength: 64 }), PolicySteps, { maxProperties: 17 });
export const Rule = strictObject({ condition: opt(Expression), policyKey: opt(Type.String({ maxLength: 64 })) });
export const MAX_RULES = 16;
const Rules = Type.Array(Rule, { maxItems: MAX_RULES });
const PostActions = Type.Array(strictObject({ certifyRemediateImmediately: opt(Type.Boolean()) }), { maxItems: 16 });

/** What a policy holds besides its id and dates: what creates take and updates may change. */
const body = {
  displayName: Name,
  policyType: opt(PolicyTypeEnum),
  policySteps: opt(StepsMap),
  rules: opt(Rules),
  postActions: opt(PostActions),
  reassignTasksToDelegates: opt(Type.Boolean()),
};

export const Policy = Type.Object({
  id: Type.String(),
  ...body,
  policyType: Type.String(),
  systemBuiltin: Type.Boolean(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Policy = Static<typeof Policy>;

export const CreatePolicyRequest = strictObject(body);
export type CreatePolicyRequest = Static<typeof CreatePolicyRequest>;

export const POLICY_WRITABLE = [
  'displayName',
  'policyType',
  'policySteps',
  'rules',
  'postActions',
  'reassignTasksToDelegates',
] as const;
export type PolicyWritable = (typeof POLICY_WRITABLE)[number];
export const POLICY_READ_ONLY = ['id', 'systemBuiltin', 'createdAt', 'updatedAt', 'deletedAt'];

/** The policy of an update; read-only fields a client echoes back are accepted and ignored. */
export const PolicyInput = strictObject({
  ...body,
  displayName: opt(Name),
  id: opt(Type.String({ maxLength: 64 })),
  systemBuiltin: opt(Type.Boolean()),
  createdAt: opt(Type.String({ maxLength: 64 })),
  updatedAt: opt(Type.String({ maxLength: 64 })),
  deletedAt: opt(Type.String({ maxLength: 64 })),
});
export type PolicyInput = Static<typeof PolicyInput>;
export const UpdatePolicyRequest = updateRequest('policy', PolicyInput);

export const SearchPoliciesRequest = searchRequest({
  query: opt(SearchText),
  displayName: opt(SearchText),
  policyTypes: opt(Type.Array(PolicyTypeEnum, { maxItems: 8 })),
  refs: opt(IdRefs),
  excludePolicyIds: opt(IdList),
  includeDeleted: opt(Type.Boolean()),
});
export type SearchPoliciesRequest = Static<typeof SearchPoliciesRequest>;

export const PolicyResponse = Type.Object({ policy: Policy });
export const PolicyListResponse = pageResponse(Policy);

export const EditorValidateRequest = strictObject({ text: opt(Type.String({ maxLength: 16384 })) });
export const EditorMarker = Type.Object({
  startLineNumber: Type.Integer(),
  startColumn: Type.Integer(),
  endLineNumber: Type.Integer(),
  endColumn: Type.Integer(),
  message: Type.String(),
  severity: StringEnum(['UNKNOWN', 'HINT', 'INFO', 'WARNING', 'ERROR']),
});
export const EditorValidateResponse = Type.Object({ markers: Type.Array(EditorMarker) });
