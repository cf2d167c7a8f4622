import { defineModule } from '../module.ts';
import { directoryRoutes } from './routes.ts';
import { DirectoriesService } from './service.ts';

/** Directories (C1's DirectoryService): apps whose syncs make identity users. */
export const directoriesModule = defineModule({
  name: 'directories',
  create: ({ db, services: s }) => new DirectoriesService(db, s.apps, s.users),
  routes: directoryRoutes,
});
