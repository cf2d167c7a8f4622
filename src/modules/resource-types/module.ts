import { defineModule } from '../module.ts';
import { resourceTypeRoutes } from './routes.ts';
import { ResourceTypesService } from './service.ts';

export const resourceTypesModule = defineModule({
  name: 'resourceTypes',
  create: ({ db, services }) => new ResourceTypesService(db, services.apps),
  routes: resourceTypeRoutes,
});
