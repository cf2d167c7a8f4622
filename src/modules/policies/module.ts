import { defineModule } from '../module.ts';
import { policyRoutes } from './routes.ts';
import { PoliciesService } from './service.ts';

export const policiesModule = defineModule({
  name: 'policies',
  create: ({ db, services: s }) =>
    new PoliciesService(
      db,
      s.users,
      () => s.entitlements,
      () => [s.apps, s.entitlements],
      () => s.webhooks,
    ),
  routes: policyRoutes,
});
