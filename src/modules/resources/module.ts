import { defineModule } from '../module.ts';
import { resourceRoutes } from './routes.ts';
import { ResourcesService } from './service.ts';

export const resourcesModule = defineModule({
  name: 'resources',
  create: ({ db, services: s }) => new ResourcesService(db, s.apps, s.resourceTypes, s.users, s.owners, s.grantLedger),
  routes: resourceRoutes,
});
