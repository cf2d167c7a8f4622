// What a module gives the core: one descriptor with its service factory (which may use the
// services of modules listed before it in registry.ts), its /api/v1 routes and its background
// jobs. core.ts and app.ts read the registry's list; nothing is wired by hand.
import type { Config } from '../config.ts';
import type { Core, Services } from '../core.ts';
import type { Db } from '../db/index.ts';
import type { Api } from '../http/types.ts';

export type ModuleContext = { db: Db; config: Config; services: Services };

export type Job = { name: string; run: () => Promise<void> };

/** A long-running background loop the server starts after listening and stops before closing the database. */
export type Worker = { name: string; start(): void; stop(): Promise<void> };

export type ModuleDescriptor<K extends keyof Services = keyof Services> = {
  name: K;
  create(ctx: ModuleContext): Services[K];
  /** Runs once after every service exists (e.g. making the default tenant). */
  init?(ctx: ModuleContext): Promise<void>;
  /** Routes mounted under /api/v1, behind authentication. */
  routes?(api: Api, core: Core): Promise<void>;
  /** Periodic jobs; each must be safe to run on every server at once. */
  jobs?(services: Services): Job[];
  /** Routes outside /api/v1's authentication (e.g. /auth/v1/jwks); each route says why it needs none. */
  publicRoutes?(app: Api, core: Core): Promise<void>;
  /** Background workers of `gatehouse serve` (not of CLI commands); each must be safe on every server at once. */
  workers?(ctx: ModuleContext, log: (err: unknown, msg: string) => void): Worker[];
};

/** Keeps the service type of each descriptor tied to its name. */
export const defineModule = <K extends keyof Services>(d: ModuleDescriptor<K>): ModuleDescriptor<K> => d;
