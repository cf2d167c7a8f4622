// Authorization for every /api/v1 route, from the one table in modules/roles/authorization.ts:
// the caller's roles give permissions tenant-wide; otherwise a relation to the object named in
// the path may let them in. A call outside the caller's rights is 403 (code 7) naming the
// missing permission; an object the caller may not see at all (another person's user or
// personal client) answers 404, like one that does not exist.
import type { FastifyRequest } from 'fastify';
import { notFound, permissionDenied } from '../lib/errors.ts';
import type { ClientsService } from '../modules/clients/service.ts';
import type { OwnersService } from '../modules/owners/service.ts';
import { AUTHORIZATION, isAppAdmin, permissionsOf, type Rule } from '../modules/roles/authorization.ts';

export type AuthorizeDeps = { owners: OwnersService; clients: ClientsService };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the caller may list or search only what is theirs: their user id (see Rule.narrow). */
    ownOnly?: string;
  }
}

export const operationOf = (req: FastifyRequest): string | undefined =>
  (req.routeOptions.schema as { operationId?: string } | undefined)?.operationId;

/** The operation id without C1's package, for messages: `Apps.Delete`. */
const shortName = (op: string) => op.split('.').slice(-2).join('.');

async function byRelation(req: FastifyRequest, rule: Rule, deps: AuthorizeDeps): Promise<boolean> {
  const { tenantId, userId, roleIds } = req.principal;
  if (!userId) return false;
  const params = req.params as Record<string, string | undefined>;
  const named = (p?: string) => (p ? params[p] : undefined);
  if (rule.self && named(rule.self) === userId) return true;
  const entitlement = named(rule.entitlementOwner);
  if (entitlement && (await deps.owners.isOwner('entitlement', tenantId, entitlement, userId))) return true;
  const app = named(rule.appOwner);
  if (app && isAppAdmin(roleIds) && (await deps.owners.isOwner('app', tenantId, app, userId))) return true;
  const client = named(rule.ownClient);
  if (client !== undefined) {
    const owner = await deps.clients.userOfCredential(tenantId, client);
    if (owner === userId) return true;
    // Someone else's client: 403 for a caller who may see every client, 404 for one who may not (or none).
    if (owner === undefined || !permissionsOf(roleIds).has('personal_clients:read_all')) throw notFound('personal client');
    return false;
  }
  if (rule.narrow) {
    req.ownOnly = userId;
    return true;
  }
  if (named(rule.self) !== undefined) throw notFound('user');
  return false;
}

/** onRequest: decides from the route's operation, the caller and the path (before the body is read). */
export function authorizeHook(deps: AuthorizeDeps) {
  return async (req: FastifyRequest): Promise<void> => {
    const op = operationOf(req) ?? '';
    const rule = AUTHORIZATION[op];
    // Fail closed: a served route with no row in the table is refused (a test keeps the table whole).
    if (!rule) throw permissionDenied(`no authorization rule for ${op || req.url}`);
    // A connector credential may only upload its own connector's syncs: nothing else, whatever the rule.
    const connector = req.principal.connectorId;
    if (connector !== undefined) {
      const named = rule.connector ? (req.params as Record<string, string | undefined>)[rule.connector] : undefined;
      if (named === connector) return;
      throw permissionDenied(`a connector credential may only upload syncs of its connector, not call ${shortName(op)}`);
    }
    if (!rule.permission || permissionsOf(req.principal.roleIds).has(rule.permission)) return;
    if (await byRelation(req, rule, deps)) return;
    throw permissionDenied(`missing permission ${rule.permission} for ${shortName(op)}`);
  };
}

/**
 * Before the handler: a search narrowed to the caller's own (Rule.narrow.bodyField) gets that
 * field set to the caller's user; a body that names another user is refused.
 */
export function narrowToOwn(req: FastifyRequest): void {
  const me = req.ownOnly;
  const rule = me ? AUTHORIZATION[operationOf(req) ?? ''] : undefined;
  const field = rule?.narrow?.bodyField;
  if (!me || !rule || !field) return;
  const body = req.body as Record<string, unknown>;
  const given = body[field];
  const named = Array.isArray(given) ? given : given === undefined || given === '' ? [] : [given];
  if (rule.narrow?.fillOnly) {
    if (named.length === 0) body[field] = me;
    return;
  }
  if (named.some((u) => u !== me)) {
    throw permissionDenied(`missing permission ${rule.permission}: ${field} may name only your own user`);
  }
  body[field] = rule.narrow?.many ? [me] : me;
}
