import { defineModule } from '../module.ts';
import { appUserRoutes } from './routes.ts';
import { AppUsersService } from './service.ts';

export const appUsersModule = defineModule({
  name: 'appUsers',
  create: ({ db, services: s }) => new AppUsersService(db, s.apps, s.users),
  routes: appUserRoutes,
});
