// C1's Roles: the built-in roles, the same in every tenant; a tenant may rename one
// (displayName), and nothing else about a built-in role changes (C1 refuses that too).
import type { Static } from '@sinclair/typebox';
import type { Db } from '../../db/index.ts';
import { displayNameOf } from '../../http/schemas.ts';
import { failedPrecondition, notFound } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { fieldsToUpdate } from '../../lib/update-mask.ts';
import { permissionsOf } from './authorization.ts';
import { BUILTIN_ROLES, type BuiltinRole, roleById } from './builtin.ts';
import type { IntrospectResponse, Role } from './schemas.ts';
import * as store from './store.ts';

type RoleView = Static<typeof Role>;
type RoleInput = Partial<Omit<RoleView, 'updatedAt'>> & Record<string, unknown>;

const WRITABLE = ['displayName', 'permissions', 'serviceRoles'] as const;
const READ_ONLY = ['id', 'name', 'systemBuiltin', 'systemApiOnly', 'createdAt', 'updatedAt', 'deletedAt'];

function view(r: BuiltinRole, setting?: store.RoleSettingRow): RoleView {
  return {
    id: r.id,
    name: r.name,
    displayName: setting?.displayName ?? r.displayName,
    permissions: [...r.permissions],
    serviceRoles: [...r.serviceRoles],
    systemBuiltin: true,
    systemApiOnly: false,
    updatedAt: setting?.updatedAt.toISOString(),
  };
}

const sameList = (a: readonly string[] | undefined, b: readonly string[]) =>
  (a ?? []).length === b.length && [...(a ?? [])].sort().join('\n') === [...b].sort().join('\n');

export type Identity = { clientId: string; userId?: string; roleIds: string[] };

export class RolesService {
  constructor(private readonly db: Db) {}

  /** The built-in roles ordered by id, keyset-paged like every list (eight roles: one page at any size). */
  async list(tenantId: string, page: PageRequest): Promise<Page<RoleView>> {
    const settings = new Map((await store.settingsOf(this.db, tenantId)).map((s) => [s.roleId, s]));
    const after = BUILTIN_ROLES.filter((r) => page.after === undefined || r.id > page.after).sort((a, b) =>
      a.id < b.id ? -1 : 1,
    );
    return toPage(
      after.slice(0, page.size + 1).map((r) => view(r, settings.get(r.id))),
      page.size,
      (r) => r.id,
    );
  }

  async get(tenantId: string, roleId: string): Promise<RoleView> {
    const r = roleById.get(roleId);
    if (!r) throw notFound('role');
    return view(r, await store.getSetting(this.db, tenantId, roleId));
  }

  /** Roles.Update: a new displayName; permissions and service roles of a built-in role stay as they are. */
  async update(
    tenantId: string,
    roleId: string,
    input: RoleInput | undefined,
    updateMask: string | undefined,
  ): Promise<RoleView> {
    const r = roleById.get(roleId);
    if (!r) throw notFound('role');
    const fields = fieldsToUpdate(updateMask, WRITABLE, READ_ONLY, input);
    if (fields.includes('permissions') && !sameList(input?.permissions, r.permissions)) {
      throw failedPrecondition(`role.permissions: ${r.displayName} is a built-in role; its permissions cannot change`);
    }
    if (fields.includes('serviceRoles') && !sameList(input?.serviceRoles, r.serviceRoles)) {
      throw failedPrecondition(`role.serviceRoles: ${r.displayName} is a built-in role; its service roles cannot change`);
    }
    if (!fields.includes('displayName')) return this.get(tenantId, roleId);
    const name = displayNameOf(input?.displayName ?? '', 'role.displayName');
    return view(r, await this.db.transaction((tx) => store.setDisplayName(tx, tenantId, roleId, name)));
  }

  /** Auth.Introspect: who the caller is, as C1's CLI asks before its requests. */
  introspect(caller: Identity): Static<typeof IntrospectResponse> {
    const roles = caller.roleIds.flatMap((id) => roleById.get(id)?.serviceRoles ?? []);
    return {
      principleId: caller.clientId,
      userId: caller.userId ?? '',
      roles: [...new Set(roles)],
      permissions: [...permissionsOf(caller.roleIds)].sort(),
      features: [],
    };
  }
}
