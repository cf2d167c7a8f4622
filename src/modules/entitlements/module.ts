import { defineModule } from '../module.ts';
import { entitlementRoutes } from './routes.ts';
import { EntitlementsService } from './service.ts';

export const entitlementsModule = defineModule({
  name: 'entitlements',
  create: ({ db, services: s }) =>
    new EntitlementsService(db, s.apps, s.owners, s.resources, s.grantLedger, s.policies, () => s.catalogs.defaults),
  routes: entitlementRoutes,
});
