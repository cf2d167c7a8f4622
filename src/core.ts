// The core: database plus services, shared by the HTTP server, the CLI and tests.
import type { Config } from './config.ts';
import { type Database, type MigrationCount, openDatabase } from './db/index.ts';
import { checkStatement } from './lib/activity.ts';
import type { AppUsersService } from './modules/app-users/service.ts';
import type { AppsService } from './modules/apps/service.ts';
import type { CatalogsService } from './modules/catalogs/service.ts';
import type { ClientsService } from './modules/clients/service.ts';
import type { ConnectorsService } from './modules/connectors/service.ts';
import type { SyncService } from './modules/connectors/sync.ts';
import type { DirectoriesService } from './modules/directories/service.ts';
import type { EntitlementsService } from './modules/entitlements/service.ts';
import type { GrantLedger } from './modules/grants/ledger.ts';
import type { GrantsService } from './modules/grants/service.ts';
import type { ModuleContext, Worker } from './modules/module.ts';
import type { OwnersService } from './modules/owners/service.ts';
import type { PersonalClientsService } from './modules/personal-clients/service.ts';
import type { PoliciesService } from './modules/policies/service.ts';
import { modules } from './modules/registry.ts';
import type { ResourceTypesService } from './modules/resource-types/service.ts';
import type { ResourcesService } from './modules/resources/service.ts';
import type { RolesService } from './modules/roles/service.ts';
import { captureEvents } from './modules/systemlog/capture.ts';
import type { SystemLogService } from './modules/systemlog/service.ts';
import type { TasksService } from './modules/tasks/service.ts';
import type { TenantsService } from './modules/tenants/service.ts';
import type { TokensService } from './modules/tokens/service.ts';
import type { UsersService } from './modules/users/service.ts';
import type { WebhooksService } from './modules/webhooks/service.ts';

export type Services = {
  tenants: TenantsService;
  clients: ClientsService;
  tokens: TokensService;
  roles: RolesService;
  users: UsersService;
  personalClients: PersonalClientsService;
  grantLedger: GrantLedger;
  owners: OwnersService;
  webhooks: WebhooksService;
  policies: PoliciesService;
  catalogs: CatalogsService;
  apps: AppsService;
  resourceTypes: ResourceTypesService;
  resources: ResourcesService;
  appUsers: AppUsersService;
  entitlements: EntitlementsService;
  grants: GrantsService;
  tasks: TasksService;
  directories: DirectoriesService;
  sync: SyncService;
  connectors: ConnectorsService;
  systemLog: SystemLogService;
};

export type Core = {
  config: Config;
  database: Database;
  /** What createCore's migration step did (undefined when told not to migrate). */
  migrations?: MigrationCount;
  services: Services;
  /** Periodic jobs (expired grants, used assertions); each must be safe to run on every server at once. */
  sweepTasks: Array<{ name: string; run: () => Promise<void> }>;
  /** Runs every sweep task once; a failing task does not stop the others. */
  sweep(): Promise<Error[]>;
  /** Starts the modules' background workers (webhook deliveries); `gatehouse serve` does, CLI commands do not. */
  startWorkers(log?: (err: unknown, msg: string) => void): Worker[];
  /** Stops them, waiting for work in flight to be recorded (close does this first). */
  stopWorkers(): Promise<void>;
  close(): Promise<void>;
};

export type CoreOptions = {
  memory?: boolean;
  /** See DatabaseOptions.memoryFrom. */
  memoryFrom?: Blob;
  migrate?: boolean;
  /** Called with every statement sent to the database (tests count statements with it). */
  logQuery?: (query: string) => void;
};

export async function createCore(config: Config, opts: CoreOptions = {}): Promise<Core> {
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    memory: opts.memory,
    memoryFrom: opts.memoryFrom,
    pgliteSharedBuffersMb: config.pgliteSharedBuffersMb,
    poolSize: config.poolSize,
    statementTimeoutMs: config.statementTimeoutMs,
    poolTimeoutMs: config.dbPoolTimeoutMs,
    // Every statement is checked for writes made outside a transaction (src/lib/activity.ts).
    logQuery: (q) => {
      opts.logQuery?.(q);
      checkStatement(q);
    },
  });
  // Every transaction run inside an activity carries its events (modules/systemlog/capture.ts).
  captureEvents(database.db);
  try {
    const migrations = opts.migrate !== false ? await database.migrate() : undefined;
    // Each module's service, in the registry's order (each after those it uses).
    const services = {} as Services;
    const ctx: ModuleContext = { db: database.db, config, services };
    for (const m of modules) (services as Record<string, unknown>)[m.name] = m.create(ctx);
    for (const m of modules) await m.init?.(ctx);
    const sweepTasks: Core['sweepTasks'] = modules.flatMap((m) => m.jobs?.(services) ?? []);
    let workers: Worker[] = [];
    const stopWorkers = async () => {
      const stopping = workers;
      workers = [];
      await Promise.all(stopping.map((w) => w.stop()));
    };
    return {
      config,
      database,
      migrations,
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
      startWorkers(log = () => {}) {
        if (workers.length === 0) {
          workers = modules.flatMap((m) => m.workers?.(ctx, log) ?? []);
          for (const w of workers) w.start();
        }
        return workers;
      },
      stopWorkers,
      async close() {
        await stopWorkers();
        await database.close();
      },
    };
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
}
