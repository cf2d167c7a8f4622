// The rules of a valid policy that its schema cannot say: one kind per step and per approval,
// the baseline key, rules naming keys, CEL that compiles, and kinds Gatehouse does not support
// yet. What it names (users, entitlements, policies) is collected with its path, for the
// service to check against the database in a few set-based reads.
import { invalidArgument } from '../../lib/errors.ts';
import { celError } from './cel.ts';
import type { Approval, CreatePolicyRequest, PolicyStep, PolicyType, ProvisionPolicy } from './schemas.ts';
import { POLICY_TYPES } from './schemas.ts';

/** The key of a type's baseline steps: the type in lower case (POLICY_TYPE_ACCESS_REQUEST → access_request). */
export const baselineKey = (type: PolicyType): string => type.slice('POLICY_TYPE_'.length).toLowerCase();

export type Named = { path: string; id: string };
export type References = { users: Named[]; entitlements: (Named & { appId?: string })[]; policies: Named[]; webhooks: Named[] };

const STEP_KINDS = ['approval', 'accept', 'reject', 'provision', 'wait'] as const;
/** The approval kinds Gatehouse accepts (and its engine runs). */
export const APPROVAL_KINDS = [
  'users',
  'manager',
  'appOwners',
  'entitlementOwners',
  'resourceOwners',
  'self',
  'group',
  'expression',
  'webhook',
] as const;
const PROVISION_KINDS = ['manual', 'unconfigured', 'delegated', 'multiStep', 'webhook'] as const;
/** Kinds C1 has and Gatehouse refuses for now, each with what it is. */
const UNSUPPORTED: Record<string, string> = {
  form: 'form steps',
  action: 'action steps',
  agent: 'agent approvals',
  connector: 'connector provisioning (Gatehouse has no connectors)',
  externalTicket: 'external ticket provisioning',
};

const bad = (path: string, why: string) => invalidArgument(`${path}: ${why}`);

/** The one kind an object holds among `kinds`; refuses none, several, or an unsupported one. */
function oneKind(obj: object, kinds: readonly string[], path: string, what: string, optional = false): string | undefined {
  const present = Object.keys(obj).filter((k) => (obj as Record<string, unknown>)[k] !== undefined);
  const unsupported = present.find((k) => UNSUPPORTED[k]);
  if (unsupported) throw bad(`${path}.${unsupported}`, `${UNSUPPORTED[unsupported]} are not supported by Gatehouse yet`);
  const found = present.filter((k) => kinds.includes(k));
  if (found.length > 1) throw bad(path, `has ${found.join(' and ')}: ${what} takes exactly one of ${kinds.join(', ')}`);
  if (found.length === 0 && !optional) throw bad(path, `${what} needs exactly one of ${kinds.join(', ')}`);
  return found[0];
}

function expression(text: string | undefined, path: string): void {
  const err = celError(text ?? '');
  if (err) throw bad(path, `CEL does not compile: ${err}`);
}

class Walker {
  readonly refs: References = { users: [], entitlements: [], policies: [], webhooks: [] };

  webhook(w: { webhookId?: string } | undefined, path: string): void {
    if (!w) return;
    if (!w.webhookId) throw bad(`${path}.webhookId`, 'is required');
    this.refs.webhooks.push({ path: `${path}.webhookId`, id: w.webhookId });
  }

  users(ids: string[] | undefined, path: string): void {
    ids?.forEach((id, i) => {
      this.refs.users.push({ path: `${path}[${i}]`, id });
    });
  }

  approval(a: Approval, path: string): void {
    const kind = oneKind(a, APPROVAL_KINDS, path, 'an approval') as (typeof APPROVAL_KINDS)[number];
    const k = a[kind] as Record<string, unknown> & { fallbackUserIds?: string[] };
    this.users(k.fallbackUserIds, `${path}.${kind}.fallbackUserIds`);
    if (a.users) {
      if (!a.users.userIds?.length) throw bad(`${path}.users.userIds`, 'at least one user is needed');
      this.users(a.users.userIds, `${path}.users.userIds`);
    }
    this.webhook(a.webhook, `${path}.webhook`);
    if (a.group) {
      if (!a.group.appId) throw bad(`${path}.group.appId`, 'is required');
      if (!a.group.appGroupId) throw bad(`${path}.group.appGroupId`, 'is required');
      this.refs.entitlements.push({ path: `${path}.group.appGroupId`, id: a.group.appGroupId, appId: a.group.appId });
    }
    if (a.expression) {
      const list = a.expression.expressions ?? [];
      if (list.length === 0) throw bad(`${path}.expression.expressions`, 'at least one expression is needed');
      list.forEach((e, i) => {
        expression(e, `${path}.expression.expressions[${i}]`);
      });
    }
    this.users(a.allowedReassignees, `${path}.allowedReassignees`);
    const esc = a.escalation;
    if (esc) {
      const at = `${path}.escalation`;
      const kinds = ['reassignToApprovers', 'replacePolicy', 'cancelTicket', 'skipStep'];
      oneKind(esc, kinds, at, 'an escalation', true);
      this.users(esc.reassignToApprovers?.approverIds, `${at}.reassignToApprovers.approverIds`);
      if (esc.replacePolicy) {
        if (!esc.replacePolicy.policyId) throw bad(`${at}.replacePolicy.policyId`, 'is required');
        this.refs.policies.push({ path: `${at}.replacePolicy.policyId`, id: esc.replacePolicy.policyId });
      }
    }
  }

  provisionPolicy(p: Omit<ProvisionPolicy, 'multiStep'> & Partial<Pick<ProvisionPolicy, 'multiStep'>>, path: string): void {
    oneKind(p, PROVISION_KINDS, path, 'a provision policy', true);
    this.users(p.manual?.userIds, `${path}.manual.userIds`);
    this.webhook(p.webhook, `${path}.webhook`);
    if (p.delegated) {
      if (!p.delegated.entitlementId) throw bad(`${path}.delegated.entitlementId`, 'is required');
      const { entitlementId, appId } = p.delegated;
      this.refs.entitlements.push({ path: `${path}.delegated.entitlementId`, id: entitlementId, appId });
    }
    p.multiStep?.provisionSteps?.forEach((s, i) => {
      const at = `${path}.multiStep.provisionSteps[${i}]`;
      if (!oneKind(s, PROVISION_KINDS, at, 'a provision step')) throw bad(at, 'a provision step needs one kind');
      this.provisionPolicy(s, at);
    });
  }

  step(s: PolicyStep, path: string): void {
    const kind = oneKind(s, STEP_KINDS, path, 'a step');
    if (kind === 'approval' && s.approval) this.approval(s.approval, `${path}.approval`);
    if (kind === 'provision' && s.provision?.provisionPolicy) {
      this.provisionPolicy(s.provision.provisionPolicy, `${path}.provision.provisionPolicy`);
    }
    if (kind === 'wait' && s.wait) {
      const w = s.wait;
      const how = oneKind(w, ['condition', 'duration', 'untilTime'], `${path}.wait`, 'a wait');
      if (how === 'condition') expression(w.condition?.condition, `${path}.wait.condition.condition`);
      if (how === 'duration' && !w.duration?.duration) throw bad(`${path}.wait.duration.duration`, 'is required');
    }
  }
}

/** Checks a whole policy (as it will be stored) and answers what it names, for the service to check. */
export function checkPolicy(p: CreatePolicyRequest, prefix = ''): References {
  const type = p.policyType;
  if (!type || !(POLICY_TYPES as readonly string[]).includes(type)) {
    throw bad(`${prefix}policyType`, `must be one of ${POLICY_TYPES.join(', ')}`);
  }
  const steps = p.policySteps ?? {};
  const base = baselineKey(type as PolicyType);
  if (!Object.hasOwn(steps, base)) {
    throw bad(`${prefix}policySteps`, `the baseline key "${base}" is missing: a ${type} policy's steps when no rule applies`);
  }
  const w = new Walker();
  for (const [key, value] of Object.entries(steps)) {
    const at = `${prefix}policySteps.${key}.steps`;
    if (!value.steps?.length) throw bad(at, 'at least one step is needed');
    value.steps.forEach((s, i) => {
      w.step(s, `${at}[${i}]`);
    });
  }
  (p.rules ?? []).forEach((r, i) => {
    const at = `${prefix}rules[${i}]`;
    if (!r.policyKey) throw bad(`${at}.policyKey`, 'is required');
    if (!Object.hasOwn(steps, r.policyKey)) throw bad(`${at}.policyKey`, `"${r.policyKey}" is not a key of policySteps`);
    expression(r.condition, `${at}.condition`);
  });
  return w.refs;
}
