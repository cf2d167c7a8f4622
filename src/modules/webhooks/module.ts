import { defineModule } from '../module.ts';
import { webhookPublicRoutes, webhookRoutes } from './routes.ts';
import { WebhooksService } from './service.ts';
import { DeliveryWorker } from './worker.ts';

export const webhooksModule = defineModule({
  name: 'webhooks',
  create: ({ db, config, services: s }) => new WebhooksService(db, config, s.tenants),
  routes: webhookRoutes,
  publicRoutes: webhookPublicRoutes,
  jobs: (s) => [{ name: 'retired webhook keys', run: () => s.webhooks.keys.pruneRetired() }],
  workers: ({ config, services: s }, log) => [
    new DeliveryWorker(s.webhooks, config.webhookPollMs, (err) => log(err, 'webhook delivery attempt failed')),
  ],
});
