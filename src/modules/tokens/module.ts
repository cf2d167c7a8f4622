import { defineModule } from '../module.ts';
import { TokensService } from './service.ts';

// Its routes (/auth/v1/token) are outside /api/v1 and its authentication; app.ts mounts them.
export const tokensModule = defineModule({
  name: 'tokens',
  create: ({ db, config, services }) =>
    new TokensService(db, services.clients, config.tokenTtlSeconds, config.publicHosts, services.systemLog),
  init: ({ services }) => services.tokens.init(),
  jobs: (s) => [{ name: 'used-assertions', run: () => s.tokens.pruneUsedAssertions() }],
});
