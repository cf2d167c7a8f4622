// The core: database plus services, shared by the HTTP server, the CLI and tests.
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/index.ts';
import { AppsService } from './modules/apps/service.ts';
import { ClientsService } from './modules/clients/service.ts';
import { TenantsService } from './modules/tenants/service.ts';
import { TokensService } from './modules/tokens/service.ts';
import { UsersService } from './modules/users/service.ts';

export type Services = {
  tenants: TenantsService;
  clients: ClientsService;
  tokens: TokensService;
  users: UsersService;
  apps: AppsService;
};

export type Core = {
  config: Config;
  database: Database;
  services: Services;
  /** Periodic jobs (expired grants, used assertions); safe to run on every server. */
  sweep(): Promise<void>;
  close(): Promise<void>;
};

export type CoreOptions = { memory?: boolean; migrate?: boolean };

export async function createCore(config: Config, opts: CoreOptions = {}): Promise<Core> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    memory: opts.memory,
    poolSize: config.poolSize,
    statementTimeoutMs: config.statementTimeoutMs,
  });
  try {
    if (opts.migrate !== false) await database.migrate();
    const db = database.db;
    const tenants = new TenantsService(db);
    const clients = new ClientsService(db, config.publicPort, config.clientCacheSeconds * 1000);
    const tokens = new TokensService(db, clients, config.tokenTtlSeconds, config.publicHosts);
    const users = new UsersService(db);
    const apps = new AppsService(db, users);
    const services: Services = { tenants, clients, tokens, users, apps };
    await tenants.ensure(config.tenantDomain);
    await tokens.init();
    return {
      config,
      database,
      services,
      async sweep() {
        await tokens.pruneUsedAssertions();
      },
      close: () => database.close(),
    };
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}
