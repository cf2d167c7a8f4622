import { defineModule } from '../module.ts';
import { ClientsService } from './service.ts';

export const clientsModule = defineModule({
  name: 'clients',
  create: ({ db, config, services: s }) => new ClientsService(db, s.tenants, config, config.clientCacheSeconds * 1000),
});
