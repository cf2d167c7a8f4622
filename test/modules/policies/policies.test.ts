import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRANT_POLICY, DEFAULT_REVOKE_POLICY } from '../../../src/modules/policies/builtin.ts';
import { backends, type Caller, startServer, type TestServer } from '../../helpers/server.ts';

const GRANT = 'POLICY_TYPE_GRANT';

/** A grant policy whose baseline is one approval by these users. */
const usersPolicy = (displayName: string, userIds: string[], extra: object = {}) => ({
  displayName,
  policyType: GRANT,
  policySteps: { grant: { steps: [{ approval: { users: { userIds } } }] } },
  ...extra,
});

describe.each(backends)('policies on %s', (backend) => {
  let s: TestServer;
  let a: Caller;
  beforeAll(async () => {
    s = await startServer(backend);
    a = s.admin;
  });
  afterAll(async () => s?.close());

  const create = async (body: object) => {
    const res = await a.post('/api/v1/policies', body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.policy;
  };
  const count = async () => (await a.post('/api/v1/search/policies', { pageSize: 100 })).body.list.length;

  it('a new tenant has the two built-in policies, with fixed ids, neither editable nor deletable', async () => {
    const list = (await a.get('/api/v1/policies')).body.list;
    expect(list.map((p: { id: string }) => p.id)).toEqual([DEFAULT_GRANT_POLICY.id, DEFAULT_REVOKE_POLICY.id]);
    for (const [p, b] of [
      [list[0], DEFAULT_GRANT_POLICY],
      [list[1], DEFAULT_REVOKE_POLICY],
    ] as const) {
      expect(p).toMatchObject({
        displayName: b.displayName,
        policyType: b.policyType,
        policySteps: b.policySteps,
        rules: [],
        systemBuiltin: true,
      });
      const del = await a.del(`/api/v1/policies/${p.id}`);
      expect(del.status).toBe(400);
      expect(del.body.code).toBe(9);
      expect(del.body.message).toContain('built in');
      const upd = await a.post(`/api/v1/policies/${p.id}`, { policy: { displayName: 'Mine' }, updateMask: 'displayName' });
      expect(upd.status).toBe(400);
      expect(upd.body.code).toBe(9);
    }
    // Another tenant has them too, with the same ids.
    const other = await s.caller({ domain: `p${Date.now()}.example.com` });
    const theirs = (await other.get(`/api/v1/policies/${DEFAULT_GRANT_POLICY.id}`)).body.policy;
    expect(theirs).toMatchObject({ id: DEFAULT_GRANT_POLICY.id, systemBuiltin: true });
    expect((await a.get(`/api/v1/policies/${DEFAULT_GRANT_POLICY.id}`)).body.policy.displayName).toBe('Default Grant Policy');
  });

  it('creates a policy with every supported kind, and reads it back as stored', async () => {
    const [u1, u2, u3] = [await a.user(), await a.user(), await a.user()];
    const app = (await a.post('/api/v1/apps', { displayName: 'Policy app' })).body.app;
    const group = (await a.post(`/api/v1/apps/${app.id}/entitlements`, { displayName: 'Admins' })).body.appEntitlementView
      .appEntitlement;
    const other = await create(usersPolicy('Fallback', [u1.id]));
    const policySteps = {
      grant: {
        steps: [
          {
            approval: {
              users: { userIds: [u1.id, u2.id], allowSelfApproval: false, requireDistinctApprovers: true },
              allowReassignment: true,
              allowedReassignees: [u3.id],
              requireApprovalReason: true,
              escalationEnabled: true,
              escalation: { expiration: '3600', replacePolicy: { policyId: other.id } },
            },
          },
          { approval: { manager: { fallback: true, fallbackUserIds: [u3.id] } } },
          {
            approval: {
              group: { appId: app.id, appGroupId: group.id, fallbackGroupIds: [{ appId: app.id, appEntitlementId: group.id }] },
            },
          },
          { approval: { expression: { expressions: ['subject.managerIds'] } } },
          { approval: { entitlementOwners: {}, escalation: { reassignToApprovers: { approverIds: [u2.id] } } } },
          { approval: { resourceOwners: {} } },
          { approval: { self: {} } },
          { approval: { appOwners: { allowSelfApproval: true } } },
          { wait: { condition: { condition: 'task.isEmergency' }, timeoutDuration: '86400s', commentOnTimeout: 'late' } },
          { wait: { duration: { duration: '3600s' } } },
          { wait: { untilTime: { hours: 9, minutes: 30, timezone: 'Europe/Paris' } } },
          { provision: { provisionPolicy: { manual: { instructions: 'Do it', userIds: [u1.id] } } } },
          { accept: { acceptMessage: 'ok' } },
        ],
      },
      emergency: { steps: [{ provision: {} }] },
      contractors: { steps: [{ reject: { rejectMessage: 'no' } }] },
    };
    const rules = [
      { condition: 'task.isEmergency', policyKey: 'emergency' },
      { condition: 'subject.employmentType == "contractor" && !subject.email.endsWith("@corp.com")', policyKey: 'contractors' },
    ];
    const p = await create({
      displayName: '  Engineering  ',
      policyType: GRANT,
      policySteps,
      rules,
      postActions: [{ certifyRemediateImmediately: true }],
      reassignTasksToDelegates: true,
    });
    expect(p).toMatchObject({
      displayName: 'Engineering',
      policyType: GRANT,
      policySteps,
      rules,
      postActions: [{ certifyRemediateImmediately: true }],
      reassignTasksToDelegates: true,
      systemBuiltin: false,
    });
    expect(p.id).toMatch(/^[0-9A-Za-z]{27}$/);
    expect((await a.get(`/api/v1/policies/${p.id}`)).body.policy).toEqual(p);
    // snake_case names and nulls read as C1's gateway reads them.
    const snake = await create({
      display_name: 'Snake',
      policy_type: 'POLICY_TYPE_REVOKE',
      policy_steps: { revoke: { steps: [{ provision: null, accept: { accept_message: 'fine' } }] } },
      rules: null,
    });
    expect(snake).toMatchObject({
      displayName: 'Snake',
      policySteps: { revoke: { steps: [{ accept: { acceptMessage: 'fine' } }] } },
    });
  });

  it('gets and deletes by id; unknown ids are 404', async () => {
    const p = await create(usersPolicy('Doomed', [(await a.user()).id]));
    expect((await a.del(`/api/v1/policies/${p.id}`)).status).toBe(200);
    for (const res of [
      await a.get(`/api/v1/policies/${p.id}`),
      await a.del(`/api/v1/policies/${p.id}`),
      await a.post(`/api/v1/policies/${p.id}`, { policy: { displayName: 'x' }, updateMask: 'displayName' }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe(5);
    }
  });

  it('searches by query, displayName, policyTypes, refs and excludePolicyIds, and pages', async () => {
    const t = await s.caller({ domain: `search${Date.now()}.example.com` });
    const u = await t.user();
    const mk = async (body: object) => (await t.post('/api/v1/policies', body)).body.policy;
    const alpha = await mk(usersPolicy('Alpha Finance', [u.id]));
    const beta = await mk(usersPolicy('Beta finance', [u.id]));
    const cert = await mk({
      displayName: 'Quarterly',
      policyType: 'POLICY_TYPE_CERTIFY',
      policySteps: { certify: { steps: [{ accept: {} }] } },
    });
    const ids = async (body: object) =>
      (await t.post('/api/v1/search/policies', body)).body.list.map((p: { id: string }) => p.id);
    expect(await ids({ query: 'FINANCE' })).toEqual([alpha.id, beta.id]);
    expect(await ids({ displayName: 'beta FINANCE' })).toEqual([beta.id]);
    expect(await ids({ policyTypes: ['POLICY_TYPE_CERTIFY'] })).toEqual([cert.id]);
    expect(await ids({ policyTypes: ['POLICY_TYPE_REVOKE'] })).toEqual([DEFAULT_REVOKE_POLICY.id]);
    expect(await ids({ refs: [{ id: alpha.id }, { id: cert.id }] })).toEqual([alpha.id, cert.id]);
    expect(await ids({ excludePolicyIds: [DEFAULT_GRANT_POLICY.id, DEFAULT_REVOKE_POLICY.id, beta.id] })).toEqual([
      alpha.id,
      cert.id,
    ]);
    expect(await ids({ query: 'finance', includeDeleted: true })).toEqual([alpha.id, beta.id]);
    for (let i = 0; i < 8; i++) await mk(usersPolicy(`Bulk ${i}`, [u.id]));
    const first = await t.post('/api/v1/search/policies', { pageSize: 10 });
    expect(first.body.list).toHaveLength(10);
    const second = await t.post('/api/v1/search/policies', { pageSize: 10, pageToken: first.body.nextPageToken });
    expect(second.body.list).toHaveLength(3);
    expect(second.body.nextPageToken).toBe('');
    const listed = await t.get(`/api/v1/policies?page_size=10&page_token=${first.body.nextPageToken}`);
    expect(listed.body.list.map((p: { id: string }) => p.id)).toEqual(second.body.list.map((p: { id: string }) => p.id));
    const badToken = await t.post('/api/v1/search/policies', { pageToken: '!!' });
    expect(badToken.status).toBe(400);
    expect(badToken.body.message).toContain('pageToken');
    const badType = await t.post('/api/v1/search/policies', { policyTypes: ['NOPE'] });
    expect(badType.status).toBe(400);
    expect(badType.body.message).toContain('policyTypes');
  });

  it('updates the fields of the mask (camelCase or snake_case) and checks the result whole', async () => {
    const u = await a.user();
    const p = await create(usersPolicy('Before', [u.id]));
    const renamed = await a.post(`/api/v1/policies/${p.id}`, {
      policy: { displayName: 'After', policyType: 'POLICY_TYPE_REVOKE' },
      updateMask: 'display_name',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.policy).toMatchObject({ displayName: 'After', policyType: GRANT, policySteps: p.policySteps });
    expect(renamed.body.policy.updatedAt >= p.updatedAt).toBe(true);
    // Rules may name a key only the same update adds.
    const both = await a.post(`/api/v1/policies/${p.id}`, {
      policy: {
        policySteps: { ...p.policySteps, urgent: { steps: [{ accept: {} }] } },
        rules: [{ condition: 'task.isEmergency', policyKey: 'urgent' }],
      },
      updateMask: 'policySteps,rules',
    });
    expect(both.status, JSON.stringify(both.body)).toBe(200);
    expect(both.body.policy.rules).toEqual([{ condition: 'task.isEmergency', policyKey: 'urgent' }]);
    // Removing the key a rule names is refused, and changes nothing.
    const orphan = await a.post(`/api/v1/policies/${p.id}`, {
      policy: { policySteps: p.policySteps },
      updateMask: 'policySteps',
    });
    expect(orphan.status).toBe(400);
    expect(orphan.body.message).toContain('policy.rules[0].policyKey');
    expect((await a.get(`/api/v1/policies/${p.id}`)).body.policy).toEqual(both.body.policy);
    // Without a mask, the fields present change.
    const plain = await a.post(`/api/v1/policies/${p.id}`, { policy: { reassignTasksToDelegates: true } });
    expect(plain.body.policy).toMatchObject({ reassignTasksToDelegates: true, displayName: 'After' });
    for (const [mask, text] of [
      ['id', 'read-only'],
      ['systemBuiltin', 'read-only'],
      ['bogus', 'unknown field'],
    ]) {
      const res = await a.post(`/api/v1/policies/${p.id}`, { policy: {}, updateMask: mask });
      expect(res.status).toBe(400);
      expect(res.body.message).toContain(text);
    }
    // A masked displayName that is absent clears it: refused.
    const cleared = await a.post(`/api/v1/policies/${p.id}`, { policy: {}, updateMask: 'displayName' });
    expect(cleared.status).toBe(400);
    expect(cleared.body.message).toContain('policy.displayName');
  });

  it('refuses each invalid policy with a 400 naming the path, and creates nothing', async () => {
    const u = await a.user();
    const app = (await a.post('/api/v1/apps', { displayName: 'Bad refs' })).body.app;
    const step = (x: object) => ({ displayName: 'Bad', policyType: GRANT, policySteps: { grant: { steps: [x] } } });
    const rule = (r: object) => ({ ...usersPolicy('Bad', [u.id]), rules: [r] });
    const cases: [object, string][] = [
      [{ policyType: GRANT, policySteps: { grant: { steps: [{ accept: {} }] } } }, 'displayName'],
      [{ ...usersPolicy('   ', [u.id]) }, 'displayName'],
      [{ ...usersPolicy('Bad', [u.id]), policyType: 'POLICY_TYPE_NOPE' }, 'policyType'],
      [{ ...usersPolicy('Bad', [u.id]), policyType: 'POLICY_TYPE_UNSPECIFIED' }, 'policyType: must be one of'],
      [{ displayName: 'Bad', policySteps: { grant: { steps: [{ accept: {} }] } } }, 'policyType'],
      [{ ...usersPolicy('Bad', [u.id]), policyType: 'POLICY_TYPE_REVOKE' }, 'policySteps: the baseline key "revoke" is missing'],
      [rule({ condition: 'true', policyKey: 'nope' }), 'rules[0].policyKey: "nope" is not a key'],
      [rule({ condition: 'true' }), 'rules[0].policyKey: is required'],
      [rule({ condition: 'subject.department ==', policyKey: 'grant' }), 'rules[0].condition: CEL does not compile'],
      [rule({ condition: 'subject.nope == 1', policyKey: 'grant' }), "undefined field 'nope'"],
      [rule({ condition: 'requester.id == "x"', policyKey: 'grant' }), "undeclared reference to 'requester'"],
      [
        { ...usersPolicy('Bad', [u.id]), rules: Array.from({ length: 17 }, () => ({ condition: 'true', policyKey: 'grant' })) },
        'rules',
      ],
      [usersPolicy('Bad', [u.id, 'ghost']), 'policySteps.grant.steps[0].approval.users.userIds[1]: user "ghost" does not exist'],
      [usersPolicy('Bad', []), 'policySteps.grant.steps[0].approval.users.userIds: at least one user'],
      [
        step({ approval: { webhook: { webhookId: 'w' } } }),
        'policySteps.grant.steps[0].approval.webhook.webhookId: webhook "w" does not exist',
      ],
      [step({ approval: { webhook: {} } }), 'policySteps.grant.steps[0].approval.webhook.webhookId: is required'],
      [step({ approval: { agent: { agentUserId: u.id } } }), 'policySteps.grant.steps[0].approval.agent: agent approvals'],
      [step({ form: { form: {} } }), 'policySteps.grant.steps[0].form: form steps are not supported'],
      [step({ accept: {}, reject: {} }), 'policySteps.grant.steps[0]: has accept and reject'],
      [step({}), 'policySteps.grant.steps[0]: a step needs exactly one of'],
      [step({ approval: { self: {}, manager: {} } }), 'policySteps.grant.steps[0].approval: has self and manager'],
      [step({ approval: { allowReassignment: true } }), 'an approval needs exactly one of'],
      [step({ approval: { self: {}, allowedReassignees: ['ghost'] } }), 'approval.allowedReassignees[0]: user "ghost"'],
      [step({ approval: { manager: { fallbackUserIds: ['ghost'] } } }), 'approval.manager.fallbackUserIds[0]: user "ghost"'],
      [
        step({ approval: { self: {}, escalation: { reassignToApprovers: { approverIds: ['ghost'] } } } }),
        'approval.escalation.reassignToApprovers.approverIds[0]: user "ghost"',
      ],
      [
        step({ approval: { self: {}, escalation: { replacePolicy: { policyId: 'ghost' } } } }),
        'replacePolicy.policyId: policy "ghost"',
      ],
      [step({ approval: { group: { appId: app.id, appGroupId: 'ghost' } } }), 'approval.group.appGroupId: entitlement "ghost"'],
      [step({ approval: { group: { appGroupId: 'x' } } }), 'approval.group.appId: is required'],
      [
        step({ approval: { expression: { expressions: ['nope('] } } }),
        'approval.expression.expressions[0]: CEL does not compile',
      ],
      [step({ wait: { condition: { condition: 'bogus' } } }), 'steps[0].wait.condition.condition: CEL does not compile'],
      [step({ wait: { duration: { duration: '1h' } } }), 'wait.duration.duration'],
      [step({ wait: { commentOnTimeout: 'x' } }), 'a wait needs exactly one of condition, duration, untilTime'],
      [
        step({ provision: { provisionPolicy: { manual: { userIds: ['ghost'] } } } }),
        'provisionPolicy.manual.userIds[0]: user "ghost"',
      ],
      [step({ provision: { provisionPolicy: { connector: {} } } }), 'provisionPolicy.connector: connector provisioning'],
      [step({ provision: { provisionPolicy: { webhook: {} } } }), 'provisionPolicy.webhook.webhookId: is required'],
      [
        step({ provision: { provisionPolicy: { webhook: { webhookId: 'ghost' } } } }),
        'provisionPolicy.webhook.webhookId: webhook "ghost"',
      ],
      [
        { displayName: 'Bad', policyType: GRANT, policySteps: { grant: { steps: [] } } },
        'policySteps.grant.steps: at least one step',
      ],
      [{ ...usersPolicy('Bad', [u.id]), postActions: 'x' }, 'postActions'],
    ];
    const before = await count();
    for (const [body, text] of cases) {
      const res = await a.post('/api/v1/policies', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.code, JSON.stringify(res.body)).toBe(3);
      expect(res.body.message, JSON.stringify(body)).toContain(text);
    }
    expect(await count()).toBe(before);
    expect((await a.post('/api/v1/policies', [])).status).toBe(400);
  });

  it('validate/cel answers markers for a bad expression and none for a good one', async () => {
    const ok = await a.post('/api/v1/policies/validate/cel', {
      text: 'subject.department == "Engineering" && entitlement.appId != "" && !task.isEmergency',
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ markers: [] });
    const syntax = await a.post('/api/v1/policies/validate/cel', { text: 'subject.id == "a" &&\n  subject.email ==' });
    expect(syntax.status).toBe(200);
    expect(syntax.body.markers).toHaveLength(1);
    expect(syntax.body.markers[0]).toMatchObject({ severity: 'ERROR', startLineNumber: 2 });
    expect(syntax.body.markers[0].message).toContain('syntax error');
    const field = (await a.post('/api/v1/policies/validate/cel', { text: 'subject.id == "a" || subject.salary > 3' })).body;
    expect(field.markers).toEqual([
      {
        startLineNumber: 1,
        startColumn: 30,
        endLineNumber: 1,
        endColumn: 36,
        message: expect.stringContaining("undefined field 'salary' of subject"),
        severity: 'ERROR',
      },
    ]);
    expect((await a.post('/api/v1/policies/validate/cel', {})).body.markers[0].message).toContain('empty');
    const bad = await a.post('/api/v1/policies/validate/cel', { text: 5 });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('text');
  });
});
