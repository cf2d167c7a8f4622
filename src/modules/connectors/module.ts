import { defineModule } from '../module.ts';
import { SyncService } from './sync.ts';

/** Connector syncs: applies baton c1z files to apps (sync.ts). */
export const syncModule = defineModule({
  name: 'sync',
  create: ({ db, config, services: s }) => new SyncService(db, s, config.syncMaxBytes),
});
