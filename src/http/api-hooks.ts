// The hooks of every /api/v1 route, one per stage: on arrival the activity (system log) is
// opened, the caller authenticated and authorized; before the handler the body is narrowed to
// the caller's own and the activity learns its targets; before the answer leaves a write's
// event is logged. Few hooks, and promises only where there is I/O: each hook and each promise
// is work every request pays for.
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Core } from '../core.ts';
import { activityAfterward, activityCaller, activityTargets, openActivity } from './activity.ts';
import { authHook } from './auth.ts';
import { authorizeHook, narrowToOwn } from './authorize.ts';

export function apiHooks(api: FastifyInstance, services: Core['services']): void {
  const authenticate = authHook(services.tokens);
  const authorize = authorizeHook(services);
  const admit = async (req: FastifyRequest): Promise<void> => {
    await authenticate(req);
    activityCaller(req);
    await authorize(req);
  };
  api.addHook('onRequest', (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    // The activity wraps everything after it, so `done` runs inside it.
    openActivity(req, () => {
      admit(req).then(() => done(), done);
    });
  });
  api.addHook('preHandler', (req: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    try {
      narrowToOwn(req);
      activityTargets(req);
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  });
  api.addHook('onSend', activityAfterward(services.systemLog));
}
