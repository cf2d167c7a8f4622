// The OCSF 1.3 shapes of Gatehouse's events: API Activity (6003) for every change, with the
// operation, the actor, the request and the objects it touched; Authentication (3002) for the
// token endpoint. `time` and `metadata.uid` are added when an event is read (they come from
// the row: see store.ts). docs/systemlog.md shows real examples.
import { hostname } from 'node:os';
import type { Activity, ActivityName, Actor, Change, Target } from '../../lib/activity.ts';
import { VERSION } from '../../version.ts';

export type OcsfEvent = Record<string, unknown>;

const ACTIVITY_IDS: Record<ActivityName, [number, string]> = {
  create: [1, 'Create'],
  update: [3, 'Update'],
  delete: [4, 'Delete'],
  other: [99, 'Other'],
};

const PRODUCT = { name: 'Gatehouse', vendor_name: 'Gatehouse', version: VERSION };
const metadata = () => ({ version: '1.3.0', product: PRODUCT, log_name: 'systemlog' });

/** What an operation id says it does, from its last word: `Apps.Create` creates, `RemoveOwner` deletes. */
export function activityOfOperation(operation: string): ActivityName {
  const verb = operation.split('.').pop() ?? '';
  if (/^(Create|Add)/.test(verb)) return 'create';
  if (/^(Update|Set)/.test(verb)) return 'update';
  if (/^(Delete|Remove|Revoke)/.test(verb)) return 'delete';
  return 'other';
}

const APP_NAMES: Record<Actor['kind'], string> = { api: 'Gatehouse API', cli: 'gatehouse CLI', system: 'Gatehouse' };

/** OCSF Actor: the user (id; the email is filled in when the event is written), the API client as `app_uid`. */
function actorOf(actor: Actor): OcsfEvent {
  const user = actor.userId ? { uid: actor.userId } : actor.name ? { name: actor.name } : undefined;
  return {
    ...(user ? { user } : {}),
    ...(actor.clientId ? { app_uid: actor.clientId } : {}),
    app_name: APP_NAMES[actor.kind],
  };
}

function srcEndpoint(a: Activity): OcsfEvent {
  // The CLI and the background jobs act on this machine.
  return a.ip ? { ip: a.ip } : { hostname: hostname() };
}

function resources(targets: Target[] | undefined, changes: Record<string, unknown> | undefined): OcsfEvent[] {
  const list = (targets ?? []).map((t) => ({ type: t.type, uid: t.id }) as OcsfEvent);
  // The changed fields belong to the object changed: the last one named (`/apps/{app_id}/entitlements/{id}`).
  if (changes && Object.keys(changes).length > 0) {
    if (list.length === 0) list.push({ type: 'unknown' });
    list[list.length - 1].data = { changes };
  }
  return list;
}

/** OCSF API Activity (6003) for one change made by `activity`. */
export function apiActivity(activity: Activity, change: Change): OcsfEvent {
  const [activityId, activityName] = ACTIVITY_IDS[change.activity];
  const service = activity.operation.split('.').slice(0, -1).join('.');
  return {
    class_uid: 6003,
    class_name: 'API Activity',
    category_uid: 6,
    category_name: 'Application Activity',
    activity_id: activityId,
    activity_name: activityName,
    type_uid: 600300 + activityId,
    type_name: `API Activity: ${activityName}`,
    severity_id: 1,
    severity: 'Informational',
    status_id: 1,
    status: 'Success',
    metadata: metadata(),
    actor: actorOf(activity.actor),
    api: {
      operation: activity.operation,
      ...(service ? { service: { name: service } } : {}),
      ...(activity.requestId ? { request: { uid: activity.requestId } } : {}),
    },
    src_endpoint: srcEndpoint(activity),
    resources: resources(change.targets, change.changes),
  };
}

export type AuthenticationOutcome = {
  ok: boolean;
  clientId: string;
  userId?: string;
  ip: string;
  requestId: string;
  /** Why it failed (never the credential itself). */
  reason?: string;
};

/** OCSF Authentication (3002), activity Logon: one token request, granted or refused. */
export function authentication(o: AuthenticationOutcome): OcsfEvent {
  return {
    class_uid: 3002,
    class_name: 'Authentication',
    category_uid: 3,
    category_name: 'Identity & Access Management',
    activity_id: 1,
    activity_name: 'Logon',
    type_uid: 300201,
    type_name: 'Authentication: Logon',
    severity_id: o.ok ? 1 : 3,
    severity: o.ok ? 'Informational' : 'Medium',
    status_id: o.ok ? 1 : 2,
    status: o.ok ? 'Success' : 'Failure',
    ...(o.reason ? { status_detail: o.reason } : {}),
    metadata: metadata(),
    auth_protocol_id: 6,
    auth_protocol: 'OAUTH 2.0',
    // The user authenticating is the client; its person (a personal client's user) is named too.
    user: { uid: o.clientId, type_id: 99, type: 'API client' },
    actor: { ...(o.userId ? { user: { uid: o.userId } } : {}), app_uid: o.clientId, app_name: APP_NAMES.api },
    api: { operation: 'gatehouse.Token', request: { uid: o.requestId } },
    src_endpoint: { ip: o.ip },
    service: { name: 'Gatehouse token endpoint' },
  };
}
