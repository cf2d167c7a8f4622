import { defineModule } from '../module.ts';
import { catalogRoutes } from './routes.ts';
import { CatalogsService } from './service.ts';

export const catalogsModule = defineModule({
  name: 'catalogs',
  // Apps, entitlements and tasks use this service; it reaches them (made later) only while serving a call.
  create: ({ db, services: s }) => new CatalogsService(db, s.users, s.policies, s.grantLedger, () => s),
  routes: catalogRoutes,
});
