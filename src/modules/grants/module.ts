import { defineModule } from '../module.ts';
import { GrantLedger } from './ledger.ts';
import { grantRoutes } from './routes.ts';
import { GrantsService } from './service.ts';

/** Listed before apps, resources and entitlements, whose deletes end grants through it. */
export const grantLedgerModule = defineModule({ name: 'grantLedger', create: () => new GrantLedger() });

export const grantsModule = defineModule({
  name: 'grants',
  create: ({ db, services: s }) => new GrantsService(db, s.apps, s.users, s.appUsers, s.entitlements, s.systemLog),
  routes: grantRoutes,
  jobs: (s) => [{ name: 'expired-grants', run: async () => void (await s.grants.sweepExpired()) }],
});
