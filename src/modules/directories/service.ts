// Directories (C1's DirectoryService): an app whose syncs make identity users. Which of its accounts
// become users: all (C1's `all`, the default) or those a CEL expression accepts (`celExpression`,
// over the variable `appUser`). The sync (connectors/sync.ts) asks `accountsOf` in its transaction
// and hands the result to the users service; deleting a directory takes it out of its users'
// directoryIds, and disables the users it made that no other directory has.

import type { Db } from '../../db/index.ts';
import { recordCreated } from '../../lib/activity.ts';
import { alreadyExists, invalidArgument, notFound } from '../../lib/errors.ts';
import { type Page, type PageRequest, toPage } from '../../lib/paging.ts';
import type { AppsService } from '../apps/service.ts';
import { celError, celProgram } from '../policies/cel.ts';
import type { DirectoryAccount, DirectorySyncResult, UsersService } from '../users/service.ts';
import type { CreateDirectoryRequest, Directory } from './schemas.ts';
import * as store from './store.ts';

/** What a directory's CEL expression sees: `appUser`, the account (docs/connectors.md "Directories"). */
export const DIRECTORY_CEL_VARIABLES = {
  appUser: ['id', 'displayName', 'email', 'emails', 'username', 'status', 'appUserType', 'employeeIds', 'profile'],
} as const;

/** An account as the filter sees it: every field of DIRECTORY_CEL_VARIABLES.appUser. */
export type AppUserVars = Record<(typeof DIRECTORY_CEL_VARIABLES.appUser)[number], unknown>;

function toDirectory(row: store.DirectoryRow): Directory {
  return {
    appId: row.appId,
    ...(row.celExpression === null ? { all: {} } : { celExpression: { expression: row.celExpression } }),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export class DirectoriesService {
  constructor(
    private readonly db: Db,
    private readonly apps: AppsService,
    private readonly users: UsersService,
  ) {}

  async create(tenantId: string, req: CreateDirectoryRequest): Promise<Directory> {
    if (req.all && req.celExpression) throw invalidArgument('all, celExpression: give one of them (they are a oneof)');
    const expression = req.celExpression ? (req.celExpression.expression ?? '') : undefined;
    if (expression !== undefined) {
      const problem = celError(expression, DIRECTORY_CEL_VARIABLES);
      if (problem) throw invalidArgument(`celExpression.expression: ${problem}`);
    }
    return this.db.transaction(async (tx) => {
      const app = await this.apps.requireRow(tenantId, req.appId, tx, true).catch(() => undefined);
      if (!app) throw invalidArgument(`appId: no app with id "${req.appId}"`);
      const row = await store.insertDirectory(tx, { tenantId, appId: req.appId, celExpression: expression ?? null });
      if (!row) throw alreadyExists(`app ${req.appId} is already a directory`);
      recordCreated('directory', row.appId);
      return toDirectory(row);
    });
  }

  async get(tenantId: string, appId: string): Promise<Directory> {
    const row = await store.getDirectory(this.db, tenantId, appId);
    if (!row) throw notFound('directory');
    return toDirectory(row);
  }

  async list(tenantId: string, page: PageRequest): Promise<Page<Directory>> {
    const p = toPage(await store.listDirectories(this.db, tenantId, page), page.size, (r) => r.appId);
    return { list: p.list.map(toDirectory), nextPageToken: p.nextPageToken };
  }

  /** The app stops being a directory: its users lose it, and those it made that no directory has are disabled. */
  async delete(tenantId: string, appId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      if (!(await store.deleteDirectory(tx, tenantId, appId))) throw notFound('directory');
      await this.users.syncDirectory(tx, tenantId, appId, []);
    });
  }

  /**
   * In a sync's transaction: undefined when the app is no directory, else which accounts become users
   * (an expression that fails or is not `true` for an account leaves it out).
   */
  async acceptor(tx: Db, tenantId: string, appId: string): Promise<((appUser: AppUserVars) => boolean) | undefined> {
    const row = await store.getDirectory(tx, tenantId, appId);
    if (!row) return undefined;
    if (row.celExpression === null) return () => true;
    const filter = celProgram(row.celExpression);
    return (appUser) => filter({ appUser }).value === true;
  }

  /** In a sync's transaction: the directory's accepted accounts create, update and disable users (UsersService.syncDirectory). */
  apply(tx: Db, tenantId: string, appId: string, accounts: DirectoryAccount[]): Promise<DirectorySyncResult> {
    return this.users.syncDirectory(tx, tenantId, appId, accounts);
  }
}
