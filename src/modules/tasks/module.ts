import { defineModule } from '../module.ts';
import { moreTaskActionRoutes } from './action-routes.ts';
import { taskRoutes } from './routes.ts';
import { TasksService } from './service.ts';

export const tasksModule = defineModule({
  name: 'tasks',
  create: ({ db, config, services: s }) =>
    new TasksService(db, {
      leaseMs: config.taskLeaseMs,
      users: s.users,
      owners: s.owners,
      grants: s.grants,
      apps: s.apps,
      entitlements: s.entitlements,
      appUsers: s.appUsers,
      policies: s.policies,
      catalogs: s.catalogs,
      webhooks: s.webhooks,
    }),
  // Grants is made first and cannot name tasks: it calls back through its hooks.
  init: async ({ services: s }) => {
    s.grants.hooks.expired = (tx, tenantId, appId, ended) => s.tasks.worker.recordExpired(tx, tenantId, appId, ended);
    s.grants.hooks.manualGranted = (tenantId, appId, entId, userIds, actorId) =>
      s.tasks.worker.manualGranted(tenantId, appId, entId, userIds, actorId);
  },
  routes: async (api, core) => {
    await taskRoutes(api, core);
    await moreTaskActionRoutes(api, core);
  },
  // After the grants module's expired-grants job (registry order): waits, escalations, manual provision checks.
  jobs: (s) => [{ name: 'task-engine', run: async () => void (await s.tasks.worker.runDue(s.tasks.leaseMs)) }],
});
