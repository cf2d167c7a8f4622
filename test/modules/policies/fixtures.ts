import type { Caller } from '../../helpers/server.ts';

/** A new policy of this type (default GRANT) whose baseline is one accept step; answers its id. */
export async function makePolicy(c: Caller, type = 'POLICY_TYPE_GRANT', displayName = 'Fixture policy'): Promise<string> {
  const key = type.slice('POLICY_TYPE_'.length).toLowerCase();
  const res = await c.post('/api/v1/policies', {
    displayName,
    policyType: type,
    policySteps: { [key]: { steps: [{ accept: {} }] } },
  });
  if (res.status !== 200) throw new Error(`policy: ${JSON.stringify(res.body)}`);
  return res.body.policy.id;
}
