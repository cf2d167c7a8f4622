// Accounts inside apps (C1's AppUserService). For a manual app an account is
// made on the first grant to an identity user and linked to that user.

import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { statisticsRefresher } from '../../db/sync-helpers.ts';
import { orUndef } from '../../http/schemas.ts';
import { notFound } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import { fieldsToUpdate } from '../../lib/update-mask.ts';
import type { AppRow, AppsService } from '../apps/service.ts';
import type { User } from '../users/schemas.ts';
import type { UsersService } from '../users/service.ts';
import {
  APP_USER_READ_ONLY,
  APP_USER_WRITABLE,
  type AppUser,
  type AppUserInput,
  type AppUserView,
  type SearchAppUsersRequest,
} from './schemas.ts';
import * as store from './store.ts';
import { linkSyncedAccounts, removeStaleAccounts, upsertSyncedAccounts } from './sync-store.ts';

export type AppUserRow = store.AppUserRow;
export type { AccountRef } from './store.ts';

export function toAppUser(row: AppUserRow): AppUser {
  return {
    id: row.id,
    appId: row.appId,
    identityUserId: orUndef(row.identityUserId),
    displayName: orUndef(row.displayName),
    email: orUndef(row.email),
    emails: row.email ? [row.email] : [],
    username: orUndef(row.username),
    usernames: row.username ? [row.username] : [],
    employeeIds: [],
    appUserType: row.appUserType,
    status: { status: row.status },
    isExternal: false,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export const toAppUserView = (row: AppUserRow): AppUserView => ({ appUser: toAppUser(row) });

export class AppUsersService {
  /** A connector sync's set-based writes (sync-store.ts), used by connectors/sync.ts inside its transaction. */
  readonly sync = {
    upsert: upsertSyncedAccounts,
    link: linkSyncedAccounts,
    removeStale: removeStaleAccounts,
    refreshStats: statisticsRefresher('app_users'),
  };

  constructor(
    private readonly db: Db,
    private readonly apps: AppsService,
    private readonly users: UsersService,
  ) {}

  /**
   * The identity users' accounts in the app, made where missing, in a constant number of
   * statements. An existing account not yet linked to anyone is adopted when it matches by
   * the app's identityMatching: display name for DISPLAY_NAME, email otherwise (STRICT and
   * UNSPECIFIED). Call inside the granting transaction; the accounts stay locked until it ends.
   */
  async ensureForUsers(tenantId: string, app: AppRow, users: User[], tx: Db): Promise<store.AccountRef[]> {
    if (users.length === 0) return [];
    const wanted: store.AccountFor[] = users.map((u) => ({
      userId: u.id,
      newId: newId(),
      displayName: u.displayName ?? null,
      email: u.email ?? null,
      username: u.username ?? null,
    }));
    const byName = app.identityMatching === 'APP_USER_IDENTITY_MATCHING_DISPLAY_NAME';
    const accounts = await store.ensureAccounts(tx, tenantId, app.id, byName ? 'displayName' : 'email', wanted);
    if (accounts.length === users.length) return accounts;
    // Some accounts were made by a concurrent transaction after this statement's snapshot: take them now.
    const have = new Set(accounts.map((a) => a.identityUserId));
    const rest = await store.lockAccounts(
      tx,
      tenantId,
      app.id,
      users.filter((u) => !have.has(u.id)).map((u) => u.id),
    );
    return accounts.concat(rest);
  }

  /** The identity's account in the app, if it has one. */
  findForUser(tenantId: string, appId: string, identityUserId: string, db: Db = this.db): Promise<AppUserRow | undefined> {
    return store.getByIdentity(db, tenantId, appId, identityUserId);
  }

  async requireRow(tenantId: string, appId: string, appUserId: string, db: Db = this.db): Promise<AppUserRow> {
    const row = await store.getAppUser(db, tenantId, appId, appUserId);
    if (!row) throw notFound('app user');
    return row;
  }

  async byIds(tenantId: string, ids: string[], db: Db = this.db): Promise<Map<string, AppUserRow>> {
    const rows = await store.getAppUsers(db, tenantId, [...new Set(ids)]);
    return new Map(rows.map((r) => [r.id, r]));
  }

  async list(tenantId: string, appId: string, page: PageRequest): Promise<Page<AppUserView>> {
    await this.apps.requireRow(tenantId, appId);
    return this.search(tenantId, { appId }, page);
  }

  async listForUser(tenantId: string, appId: string, userId: string, page: PageRequest): Promise<Page<AppUserView>> {
    await this.apps.requireRow(tenantId, appId);
    await this.users.get(tenantId, userId);
    return this.search(tenantId, { appId, userIds: [userId] }, page);
  }

  async search(tenantId: string, req: SearchAppUsersRequest, page: PageRequest): Promise<Page<AppUserView>> {
    // Every account Gatehouse keeps is of the tenant's own (trusted) domain.
    const domains = req.appUserDomains ?? [];
    if (domains.length > 0 && !domains.some((d) => d !== 'APP_USER_DOMAIN_EXTERNAL')) return { list: [], nextPageToken: '' };
    const rows = await store.listAppUsers(
      this.db,
      tenantId,
      {
        appId: req.appId || undefined,
        query: req.query,
        ids: req.appUserIds,
        excludeIds: req.excludeAppUserIds,
        refs: req.refs,
        identityUserIds: req.userIds,
        types: req.appUserTypes,
        statuses: req.appUserStatuses,
      },
      page,
    );
    const p = toPage(rows, page.size, (r) => r.id);
    return { list: p.list.map(toAppUserView), nextPageToken: p.nextPageToken };
  }

  async update(
    tenantId: string,
    appId: string,
    appUserId: string,
    input: AppUserInput | undefined,
    updateMask: string | undefined,
  ): Promise<AppUserView> {
    const fields = fieldsToUpdate(updateMask, APP_USER_WRITABLE, APP_USER_READ_ONLY, input);
    return this.db.transaction(async (tx) => {
      await this.apps.requireRow(tenantId, appId, tx);
      let row = await this.requireRow(tenantId, appId, appUserId, tx);
      if (fields.includes('appUserType')) {
        // A masked field absent from the body is cleared, as in C1.
        const appUserType = input?.appUserType ?? 'APP_USER_TYPE_UNSPECIFIED';
        row = (await store.updateAppUser(tx, tenantId, appId, appUserId, { appUserType })) ?? row;
      }
      return toAppUserView(row);
    });
  }
}
