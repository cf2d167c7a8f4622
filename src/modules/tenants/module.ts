import { defineModule } from '../module.ts';
import { TenantsService } from './service.ts';

export const tenantsModule = defineModule({
  name: 'tenants',
  create: ({ db }) => new TenantsService(db),
  init: async ({ config, services }) => void (await services.tenants.ensure(config.tenantDomain)),
});
