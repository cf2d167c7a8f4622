import { defineModule } from '../module.ts';
import { connectorRoutes } from './routes.ts';
import { ConnectorsService } from './service.ts';
import { SyncService } from './sync.ts';

/** Connector syncs: applies baton c1z files to apps (sync.ts). */
export const syncModule = defineModule({
  name: 'sync',
  create: ({ db, config, services: s }) => new SyncService(db, s, config.syncMaxBytes, config.syncTimeoutMs),
});

/** Connectors of apps (C1's ConnectorService) and the sync upload route. */
export const connectorsModule = defineModule({
  name: 'connectors',
  create: ({ db, services: s }) => new ConnectorsService(db, s),
  routes: connectorRoutes,
});
