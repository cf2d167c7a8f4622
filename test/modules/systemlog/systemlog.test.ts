// The system log: events written with their change (and only then), their actor, paging by
// cursor, filters, token events, retention and who may read them.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { record, runActivity } from '../../../src/lib/activity.ts';
import { backends, startServer, type TestServer } from '../../helpers/server.ts';
import { grant, world } from '../grants/fixtures.ts';
import { allEvents, EVENTS, eventsSince, markLog } from './fixtures.ts';

describe.each(backends)('system log on %s', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(backend);
  });
  afterAll(async () => s?.close());

  it('writes one API Activity event per change, with the operation, the actor, the request and the target', async () => {
    const person = await s.callerAs(['super_admin']);
    const mark = await markLog(s, s.admin);
    const created = await person.post('/api/v1/apps', { displayName: 'Payroll' });
    expect(created.status).toBe(200);
    const appId = created.body.app.id as string;
    const updated = await person.post(`/api/v1/apps/${appId}`, {
      app: { displayName: 'Payroll 2', description: 'x' },
      updateMask: 'displayName',
    });
    expect(updated.status).toBe(200);
    expect((await person.del(`/api/v1/apps/${appId}`)).status).toBe(200);
    const events = await eventsSince(s.admin, mark);
    expect(events.map((e) => [e.api.operation, e.activity_id, e.activity_name])).toEqual([
      ['c1.api.app.v1.Apps.Create', 1, 'Create'],
      ['c1.api.app.v1.Apps.Update', 3, 'Update'],
      ['c1.api.app.v1.Apps.Delete', 4, 'Delete'],
    ]);
    for (const e of events) {
      expect(e).toMatchObject({
        class_uid: 6003,
        category_uid: 6,
        type_uid: 600300 + e.activity_id,
        status: 'Success',
        metadata: { version: '1.3.0', product: { name: 'Gatehouse' } },
        actor: { user: { uid: person.me.id, email_addr: person.me.email } },
        src_endpoint: { ip: expect.any(String) },
      });
      expect(e.actor.app_uid).toMatch(/@/);
      expect(e.api.request.uid).toMatch(/^test-/);
      expect(new Date(e.time_dt).getTime()).toBe(e.time);
    }
    expect(events[0].resources).toEqual([{ type: 'app', uid: appId }]);
    expect(events[1].resources).toEqual([{ type: 'app', uid: appId, data: { changes: { displayName: 'Payroll 2' } } }]);
    expect(events[2].resources).toEqual([{ type: 'app', uid: appId }]);
  });

  it("names a service client as the actor by its client id alone, and a grant's users as targets", async () => {
    const mark = await markLog(s, s.admin);
    const { app, resource: res, ent } = await world(s.admin);
    const u = await s.admin.user();
    await grant(s.admin, app.id, ent.id, [u.id]);
    const events = await eventsSince(s.admin, mark);
    expect(events.map((e) => e.api.operation.split('.').slice(-2).join('.'))).toEqual([
      'Apps.Create',
      'AppResourceTypeService.CreateManuallyManagedResourceType',
      'AppResourceService.CreateManuallyManagedAppResource',
      'AppEntitlements.Create',
      'AppEntitlements.AddManuallyManagedMembers',
    ]);
    for (const e of events) {
      expect(e.actor.user).toBeUndefined();
      expect(e.actor.app_uid).toMatch(/@/);
    }
    expect(events[2].resources.at(-1)).toEqual({ type: 'app_resource', uid: res.id });
    expect(events[4].resources).toEqual([
      { type: 'app', uid: app.id },
      { type: 'app_entitlement', uid: ent.id },
      { type: 'user', uid: u.id },
    ]);
  });

  it('writes nothing for a refused change, a rolled-back transaction or a read', async () => {
    const mark = await markLog(s, s.admin);
    expect((await s.admin.post('/api/v1/apps', { displayName: 'X', owners: ['nobody'] })).status).toBe(400);
    expect((await s.admin.del('/api/v1/apps/2JhXHWNrda0GBuPsfXY4w9W4VcK')).status).toBe(404);
    expect((await s.admin.post('/api/v1/search/apps', {})).status).toBe(200);
    // A transaction that records its change and then fails: neither the change nor its event stays.
    const activity = { tenantId: s.admin.tenant.id, actor: { kind: 'system' as const }, operation: 'test.Rollback' };
    await expect(
      runActivity(activity, () =>
        s.core.database.db.transaction(async (tx) => {
          await tx.execute(sql`update tenants set domain = domain where id = ${s.admin.tenant.id}`);
          record({ activity: 'update', targets: [{ type: 'tenant', id: s.admin.tenant.id }] });
          throw new Error('changed my mind');
        }),
      ),
    ).rejects.toThrow('changed my mind');
    expect(await eventsSince(s.admin, mark)).toEqual([]);
    // The same transaction committed has its event.
    await runActivity(activity, () =>
      s.core.database.db.transaction(async (tx) => {
        await tx.execute(sql`update tenants set domain = domain where id = ${s.admin.tenant.id}`);
        record({ activity: 'update', targets: [{ type: 'tenant', id: s.admin.tenant.id }] });
      }),
    );
    const after = await eventsSince(s.admin, mark);
    expect(after.map((e) => [e.api.operation, e.actor.app_name])).toEqual([['test.Rollback', 'Gatehouse']]);
  });

  it('logs token requests: issued and refused for a known client, in its tenant; nothing for an unknown one', async () => {
    const other = await s.caller();
    const creds = await s.core.services.clients.create(other.tenant, 'token-test', 'admin');
    const mark = await markLog(s, other);
    const form = (secret: string, clientId = creds.clientId) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': 'tok-1' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
    });
    expect((await s.fetch('/auth/v1/token', form(creds.clientSecret))).status).toBe(200);
    expect((await s.fetch('/auth/v1/token', form(`${creds.clientSecret.slice(0, -4)}AAAA`))).status).toBe(401);
    expect((await s.fetch('/auth/v1/token', form(creds.clientSecret, `nobody-1@${other.tenant.domain}/pcc`))).status).toBe(401);
    const events = (await eventsSince(other, mark)).filter((e) => e.class_uid === 3002);
    expect(events.map((e) => [e.status, e.user.uid, e.api.request.uid])).toEqual([
      ['Success', creds.clientId, 'tok-1'],
      ['Failure', creds.clientId, 'tok-1'],
    ]);
    expect(events[1]).toMatchObject({
      activity_name: 'Logon',
      status_id: 2,
      auth_protocol_id: 6,
      src_endpoint: { ip: expect.any(String) },
    });
    expect(JSON.stringify(events)).not.toContain(creds.clientSecret.slice(40));
  });

  it('pages in order without repeats, filters by time, uid and direction, and refuses a bad cursor naming the field', async () => {
    const c = await s.caller();
    const start = await markLog(s, c);
    for (let i = 0; i < 12; i++) expect((await c.post('/api/v1/apps', { displayName: `A${i}` })).status).toBe(200);
    const all = await allEvents(c, { sinceEventUid: start }, 10);
    const apps = all.filter((e) => e.api.operation === 'c1.api.app.v1.Apps.Create');
    expect(apps).toHaveLength(12);
    const uids = all.map((e) => e.metadata.uid);
    expect(new Set(uids).size).toBe(uids.length);
    // Descending gives the same events reversed.
    const down = await allEvents(c, { sinceEventUid: start, sortDirection: 'SORT_DIRECTION_DESC' }, 10);
    expect(down.map((e) => e.metadata.uid)).toEqual([...uids].reverse());
    // untilEventUid is inclusive, sinceEventUid exclusive.
    const window = await allEvents(c, { sinceEventUid: uids[2], untilEventUid: uids[5] });
    expect(window.map((e) => e.metadata.uid)).toEqual(uids.slice(3, 6));
    // Time: since inclusive, until exclusive.
    const t5 = all[5].time_dt;
    const fromT5 = await allEvents(c, { since: t5 });
    expect(fromT5[0].time).toBeGreaterThanOrEqual(all[5].time);
    expect((await allEvents(c, { until: all[0].time_dt })).every((e) => e.time < all[0].time)).toBe(true);
    for (const [body, field] of [
      [{ sinceEventUid: 'abc' }, 'sinceEventUid'],
      [{ untilEventUid: '1-2' }, 'untilEventUid'],
      [{ pageToken: 'nope!' }, 'pageToken'],
      [{ since: 'yesterday' }, 'since'],
      [{ sortDirection: 'UP' }, 'sortDirection'],
    ] as const) {
      const r = await c.post(EVENTS, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.message).toContain(field);
    }
  });

  it('may be read by Super and Read-Only Super Administrators only', async () => {
    for (const [roles, status] of [
      [['super_admin'], 200],
      [['read_only_admin'], 200],
      [['app_admin'], 403],
      [['access_request_admin'], 403],
      [[], 403],
    ] as const) {
      const p = await s.callerAs([...roles]);
      const r = await p.post(EVENTS, {});
      expect(r.status, roles.join()).toBe(status);
      if (status === 403) expect(r.body.message).toContain('systemlog:read');
    }
  });

  it('keeps each tenant to its own events', async () => {
    const a = await s.caller();
    const b = await s.caller();
    expect((await a.post('/api/v1/apps', { displayName: 'Mine' })).status).toBe(200);
    const seen = await allEvents(b);
    expect(seen.some((e) => e.api?.operation === 'c1.api.app.v1.Apps.Create')).toBe(false);
  });

  it('deletes events older than the retention period in the background', async () => {
    const c = await s.caller();
    expect((await c.post('/api/v1/apps', { displayName: 'Old' })).status).toBe(200);
    expect((await c.post('/api/v1/apps', { displayName: 'New' })).status).toBe(200);
    const before = await allEvents(c);
    const old = before.find((e) => e.api?.operation === 'c1.api.app.v1.Apps.Create');
    const [xid, seq] = old.metadata.uid.split('.');
    await s.core.database.db.execute(
      sql`update system_log_events set time = now() - interval '400 days' where tenant_id = ${c.tenant.id} and xid = ${xid} and seq = ${seq}`,
    );
    const job = s.core.sweepTasks.find((t) => t.name === 'systemlog-retention');
    await job?.run();
    const after = (await allEvents(c)).map((e) => e.metadata.uid);
    expect(after).toEqual(before.map((e) => e.metadata.uid).filter((u) => u !== old.metadata.uid));
  });
});
