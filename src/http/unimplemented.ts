// C1 operations Gatehouse does not serve answer 501 UNIMPLEMENTED once the caller
// is authenticated, so a client can tell "not here" from "no such object" (404).
// The list is src/http/c1-operations.json (made by scripts/c1-operations.ts from
// C1's openapi.yaml); whatever the modules registered first is left alone, so a
// new module's routes replace the 501s with no change here.
import type { FastifyInstance, HTTPMethods, onRequestHookHandler } from 'fastify';
import { ApiError, Code } from '../lib/errors.ts';
import operations from './c1-operations.json' with { type: 'json' };

export type C1OperationRef = { method: string; path: string; operationId: string };

/** Every operation of C1's openapi.yaml. */
export const C1_OPERATIONS: readonly C1OperationRef[] = operations;

/** `/apps/{app_id}` → `/apps/:app_id`. */
export const fastifyPath = (openApiPath: string): string => openApiPath.replace(/\{([^}/]+)\}/g, ':$1');

/**
 * The operations no route answers yet. Fastify's hasRoute ignores parameter names,
 * so a module serving `/apps/:id` covers C1's `/apps/{app_id}` of the same shape
 * (Fastify would refuse to register both).
 */
export function unimplementedOperations(app: FastifyInstance): C1OperationRef[] {
  return C1_OPERATIONS.filter((op) => !app.hasRoute({ method: op.method as HTTPMethods, url: fastifyPath(op.path) }));
}

/** Registers a 501 route for each C1 operation not served; call once, after every module. */
export async function registerUnimplemented(app: FastifyInstance, authenticate: onRequestHookHandler): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRequest', authenticate);
    // Computed here, when every plugin registered before this one has added its routes.
    for (const op of unimplementedOperations(scope)) {
      const url = fastifyPath(op.path);
      // Two C1 operations of the same shape: the first one wins.
      if (scope.hasRoute({ method: op.method as HTTPMethods, url })) continue;
      scope.route({
        method: op.method as HTTPMethods,
        url,
        // Not in /api/v1/openapi.json or /docs: the document lists what Gatehouse does.
        schema: { hide: true },
        handler: async () => {
          throw new ApiError(Code.UNIMPLEMENTED, `${op.operationId} is not implemented by Gatehouse`);
        },
      });
    }
  });
}
