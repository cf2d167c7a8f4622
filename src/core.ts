// The core: database plus services, shared by the HTTP server, the CLI and tests.
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/index.ts';
import { AppUsersService } from './modules/app-users/service.ts';
import { AppsService } from './modules/apps/service.ts';
import { ClientsService } from './modules/clients/service.ts';
import { EntitlementsService } from './modules/entitlements/service.ts';
import { GrantLedger } from './modules/grants/ledger.ts';
import { GrantsService } from './modules/grants/service.ts';
import { OwnersService } from './modules/owners/service.ts';
import { ResourceTypesService } from './modules/resource-types/service.ts';
import { ResourcesService } from './modules/resources/service.ts';
import { TenantsService } from './modules/tenants/service.ts';
import { TokensService } from './modules/tokens/service.ts';
import { UsersService } from './modules/users/service.ts';

export type Services = {
  tenants: TenantsService;
  clients: ClientsService;
  tokens: TokensService;
  users: UsersService;
  apps: AppsService;
  resourceTypes: ResourceTypesService;
  resources: ResourcesService;
  appUsers: AppUsersService;
  entitlements: EntitlementsService;
  grants: GrantsService;
};

export type Core = {
  config: Config;
  database: Database;
  services: Services;
  /** Periodic jobs (expired grants, used assertions); each must be safe to run on every server at once. */
  sweepTasks: Array<{ name: string; run: () => Promise<void> }>;
  /** Runs every sweep task once; a failing task does not stop the others. */
  sweep(): Promise<Error[]>;
  close(): Promise<void>;
};

export type CoreOptions = {
  memory?: boolean;
  migrate?: boolean;
  /** Called with every statement sent to the database (tests count statements with it). */
  logQuery?: (query: string) => void;
};

export async function createCore(config: Config, opts: CoreOptions = {}): Promise<Core> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    memory: opts.memory,
    poolSize: config.poolSize,
    statementTimeoutMs: config.statementTimeoutMs,
    poolTimeoutMs: config.dbPoolTimeoutMs,
    logQuery: opts.logQuery,
  });
  try {
    if (opts.migrate !== false) await database.migrate();
    const db = database.db;
    const tenants = new TenantsService(db);
    const clients = new ClientsService(db, config.publicPort, config.clientCacheSeconds * 1000);
    const tokens = new TokensService(db, clients, config.tokenTtlSeconds, config.publicHosts);
    const users = new UsersService(db);
    const ledger = new GrantLedger();
    const owners = new OwnersService(db, users);
    const apps = new AppsService(db, users, owners, ledger);
    const resourceTypes = new ResourceTypesService(db, apps);
    const resources = new ResourcesService(db, apps, resourceTypes, users, owners, ledger);
    const entitlements = new EntitlementsService(db, apps, owners, resources, ledger);
    const appUsers = new AppUsersService(db, apps, users);
    const grants = new GrantsService(db, apps, users, appUsers, entitlements);
    const services: Services = {
      tenants,
      clients,
      tokens,
      users,
      apps,
      resourceTypes,
      resources,
      appUsers,
      entitlements,
      grants,
    };
    await tenants.ensure(config.tenantDomain);
    await tokens.init();
    const sweepTasks: Core['sweepTasks'] = [
      { name: 'used-assertions', run: () => tokens.pruneUsedAssertions() },
      { name: 'expired-grants', run: async () => void (await grants.sweepExpired()) },
    ];
    return {
      config,
      database,
      services,
      sweepTasks,
      async sweep() {
        const errors: Error[] = [];
        for (const task of sweepTasks) {
          try {
            await task.run();
          } catch (err) {
            errors.push(new Error(`sweep ${task.name}: ${(err as Error).message}`));
          }
        }
        return errors;
      },
      close: () => database.close(),
    };
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}
