import { defineModule } from '../module.ts';
import { personalClientRoutes } from './routes.ts';
import { PersonalClientsService } from './service.ts';

export const personalClientsModule = defineModule({
  name: 'personalClients',
  create: ({ db, services: s }) => new PersonalClientsService(db, s.clients, s.users, s.tenants),
  routes: personalClientRoutes,
});
