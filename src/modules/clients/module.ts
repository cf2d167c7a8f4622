import { defineModule } from '../module.ts';
import { ClientsService } from './service.ts';

export const clientsModule = defineModule({
  name: 'clients',
  create: ({ db, config }) => new ClientsService(db, config.publicPort, config.clientCacheSeconds * 1000),
});
