// C1's personal clients: API credentials that belong to a user and act with that user's roles
// (narrowed by scopedRoles). Rows live in the clients module; this is the API's rules over them.
import type { Db } from '../../db/index.ts';
import type { Caller } from '../../http/routes.ts';
import { displayNameOf, iso } from '../../http/schemas.ts';
import { positiveDurationMs } from '../../lib/duration.ts';
import { failedPrecondition, invalidArgument, notFound } from '../../lib/errors.ts';
import type { Page, PageRequest } from '../../lib/paging.ts';
import { columnsToSet, fieldsToUpdate } from '../../lib/update-mask.ts';
import type { ClientRow, ClientsService, PersonalChanges } from '../clients/service.ts';
import { checkSources } from '../clients/source-cidr.ts';
import type { TenantsService } from '../tenants/service.ts';
import type { UsersService } from '../users/service.ts';
import {
  type CreatePersonalClientRequest,
  PERSONAL_CLIENT_READ_ONLY,
  PERSONAL_CLIENT_WRITABLE,
  type PersonalClient,
  type PersonalClientInput,
  type PersonalClientWritable,
  type SearchPersonalClientsRequest,
} from './schemas.ts';

export function toPersonalClient(r: ClientRow): PersonalClient {
  return {
    id: r.credentialId ?? '',
    clientId: r.id,
    displayName: r.name,
    userId: r.userId ?? '',
    allowSourceCidr: r.allowSourceCidr,
    scopedRoles: r.scopedRoles,
    expiresTime: iso(r.expiresAt),
    lastUsedAt: iso(r.lastUsedAt),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

function sources(list: readonly string[], field: string): string[] {
  const checked = checkSources(list, field);
  if ('error' in checked) throw invalidArgument(checked.error);
  return checked.sources;
}

/**
 * The scopedRoles to store: each one a role of the client's user (else a 400 naming `field`).
 * When the caller is that user acting through a client narrowed by its own scopedRoles, the new
 * scope may not be wider than the caller's (a scoped client must not mint an unscoped one), and
 * an empty scope (all the user's roles) becomes the caller's roles.
 */
function scopeOf(
  given: readonly string[],
  userId: string,
  userRoles: readonly string[],
  caller: Caller,
  field: string,
): string[] {
  const wanted = [...new Set(given)];
  const foreign = wanted.find((r) => !userRoles.includes(r));
  if (foreign !== undefined) throw invalidArgument(`${field}: "${foreign}" is not a role of user ${userId}`);
  const ceiling = caller.userId === userId && userRoles.some((r) => !caller.roleIds.includes(r)) ? caller.roleIds : undefined;
  if (!ceiling) return wanted;
  const beyond = wanted.find((r) => !ceiling.includes(r));
  if (beyond !== undefined) {
    throw invalidArgument(`${field}: "${beyond}" is not one of the roles the calling client is scoped to`);
  }
  return wanted.length > 0 ? wanted : userRoles.filter((r) => ceiling.includes(r));
}

export class PersonalClientsService {
  constructor(
    private readonly db: Db,
    private readonly clients: ClientsService,
    private readonly users: UsersService,
    private readonly tenants: TenantsService,
  ) {}

  /** A new client of the caller's own user; its secret is answered this once. */
  async create(caller: Caller, req: CreatePersonalClientRequest): Promise<{ client: PersonalClient; clientSecret: string }> {
    const userId = caller.userId;
    if (!userId) {
      throw failedPrecondition(
        'personal clients belong to a user, and this caller is a service client with no user: call as a person ' +
          '(their personal client), or make one with `gatehouse clients create --user <email>`',
      );
    }
    const displayName = displayNameOf(req.displayName ?? '');
    const allowSourceCidr = sources(req.allowSourceCidr ?? [], 'allowSourceCidr');
    const expiresAt = req.expires ? new Date(Date.now() + positiveDurationMs(req.expires, 'expires')) : undefined;
    const tenant = await this.tenants.byId(caller.tenantId);
    if (!tenant) throw notFound('tenant');
    return this.db.transaction(async (tx) => {
      const user = await this.users.get(caller.tenantId, userId, tx);
      const scopedRoles = scopeOf(req.scopedRoles ?? [], userId, user.roleIds, caller, 'scopedRoles');
      const made = await this.clients.createPersonal(
        tenant,
        userId,
        displayName,
        { allowSourceCidr, expiresAt, scopedRoles },
        tx,
      );
      return { client: toPersonalClient(made.row), clientSecret: made.clientSecret };
    });
  }

  async get(tenantId: string, credentialId: string): Promise<PersonalClient> {
    const row = await this.clients.personal(tenantId, credentialId);
    if (!row) throw notFound('personal client');
    return toPersonalClient(row);
  }

  /** The live personal clients matching the search; only the caller's own when the caller may see no others. */
  async search(caller: Caller, req: SearchPersonalClientsRequest, page: PageRequest): Promise<Page<PersonalClient>> {
    const named = req.users?.map((u) => u.id);
    const me = caller.ownOnly;
    const userIds = me ? (named ?? [me]).filter((id) => id === me) : named?.length ? named : undefined;
    const p = await this.clients.personalPage(caller.tenantId, { userIds, query: req.query }, page);
    return { list: p.list.map(toPersonalClient), nextPageToken: p.nextPageToken };
  }

  /** Changes the fields the mask names (every writable field given, without a mask). */
  async update(
    caller: Caller,
    credentialId: string,
    input: PersonalClientInput | undefined,
    mask: string | undefined,
  ): Promise<PersonalClient> {
    const tenantId = caller.tenantId;
    const fields = fieldsToUpdate<PersonalClientWritable>(mask, PERSONAL_CLIENT_WRITABLE, PERSONAL_CLIENT_READ_ONLY, input);
    return this.db.transaction(async (tx) => {
      const row = await this.clients.personal(tenantId, credentialId, tx, true);
      if (!row) throw notFound('personal client');
      if (fields.length === 0) return toPersonalClient(row);
      const userId = row.userId as string;
      const roles = fields.includes('scopedRoles') ? (await this.users.get(tenantId, userId, tx)).roleIds : [];
      const changes = columnsToSet<PersonalClientWritable, PersonalChanges>(fields, input, {
        displayName: (v) => ({ name: displayNameOf((v as string | undefined) ?? '', 'client.displayName') }),
        allowSourceCidr: (v) => ({ allowSourceCidr: sources((v as string[] | undefined) ?? [], 'client.allowSourceCidr') }),
        scopedRoles: (v) => ({
          scopedRoles: scopeOf((v as string[] | undefined) ?? [], userId, roles, caller, 'client.scopedRoles'),
        }),
        expiresTime: (v) => ({ expiresAt: v === undefined ? null : futureDate(v as string, 'client.expiresTime') }),
      });
      const updated = await this.clients.updatePersonal(tenantId, credentialId, changes, tx);
      if (!updated) throw notFound('personal client');
      return toPersonalClient(updated);
    });
  }

  /** Revokes the client: no new tokens, and those it has stop working within GATEHOUSE_CLIENT_CACHE_SECONDS. */
  async delete(tenantId: string, credentialId: string): Promise<void> {
    if (!(await this.clients.revokePersonal(tenantId, credentialId))) throw notFound('personal client');
  }
}

/** An expiry set by an update: a time still to come (to end a client now, delete it). */
function futureDate(text: string, field: string): Date {
  const d = new Date(text);
  if (Number.isNaN(d.getTime()) || d.getTime() <= Date.now()) {
    throw invalidArgument(`${field}: "${text}" is not a time in the future (to stop a client now, delete it)`);
  }
  return d;
}
