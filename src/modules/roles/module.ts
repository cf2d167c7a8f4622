import { defineModule } from '../module.ts';
import { roleRoutes } from './routes.ts';
import { RolesService } from './service.ts';

export const rolesModule = defineModule({ name: 'roles', create: ({ db }) => new RolesService(db), routes: roleRoutes });
