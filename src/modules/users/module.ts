import { defineModule } from '../module.ts';
import { userRoutes } from './routes.ts';
import { UsersService } from './service.ts';

export const usersModule = defineModule({ name: 'users', create: ({ db }) => new UsersService(db), routes: userRoutes });
