import { defineModule } from '../module.ts';
import { taskRoutes } from './routes.ts';
import { TasksService } from './service.ts';

export const tasksModule = defineModule({
  name: 'tasks',
  create: ({ db, services: s }) =>
    new TasksService(db, {
      users: s.users,
      owners: s.owners,
      grants: s.grants,
      apps: s.apps,
      entitlements: s.entitlements,
      appUsers: s.appUsers,
      policies: s.policies,
      webhooks: s.webhooks,
    }),
  routes: taskRoutes,
});
