import { defineModule } from '../module.ts';
import { systemLogRoutes } from './routes.ts';
import { SystemLogService } from './service.ts';

// Its capture of events (capture.ts) wraps the database's transactions; core.ts installs it.
export const systemLogModule = defineModule({
  name: 'systemLog',
  create: ({ db, config }) => new SystemLogService(db, config.systemLogRetentionDays),
  routes: systemLogRoutes,
  jobs: (s) => [
    {
      name: 'systemlog-retention',
      run: async () => {
        await s.systemLog.prune();
      },
    },
  ],
});
