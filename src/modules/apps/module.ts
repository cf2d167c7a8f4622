import { defineModule } from '../module.ts';
import { appRoutes } from './routes.ts';
import { AppsService } from './service.ts';

export const appsModule = defineModule({
  name: 'apps',
  create: ({ db, services: s }) =>
    new AppsService(db, s.users, s.owners, s.grantLedger, s.policies, () => s.entitlements, s.catalogs),
  routes: appRoutes,
});
