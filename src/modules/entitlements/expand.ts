// Expand masks of entitlement answers (c1.api.app.v1.AppEntitlementExpandMask): the
// app, resource type and resource of each entitlement, each once in `expanded`.
import type { Core } from '../../core.ts';
import { expandEach } from '../../http/expand.ts';
import type { AppEntitlementView, EntitlementExpandPath } from './schemas.ts';

/** Reads the related objects (the apps, resource types and resources services). */
export type EntitlementRelations = {
  app(tenantId: string, appId: string): Promise<object>;
  resourceType(tenantId: string, appId: string, typeId: string): Promise<object>;
  resource(tenantId: string, appId: string, typeId: string, id: string): Promise<object>;
};

export function entitlementRelations(core: Core): EntitlementRelations {
  const { apps, resourceTypes, resources } = core.services;
  return {
    app: (tenantId, appId) => apps.get(tenantId, appId),
    resourceType: (tenantId, appId, typeId) => resourceTypes.get(tenantId, appId, typeId),
    resource: (tenantId, appId, typeId, id) => resources.get(tenantId, appId, typeId, id),
  };
}

/** The views with the paths the mask asks for, and the `expanded` they point into. */
export function expandEntitlements(
  relations: EntitlementRelations,
  tenantId: string,
  views: AppEntitlementView[],
  paths: EntitlementExpandPath[] | undefined,
) {
  return expandEach(views, paths, async (view, x) => {
    const { appId, appResourceTypeId: typeId, appResourceId: resourceId } = view.appEntitlement;
    if (x.wants('app_id')) view.appPath = await x.pathOf('c1.api.app.v1.App', appId, () => relations.app(tenantId, appId));
    if (x.wants('app_resource_type_id') && typeId) {
      view.appResourceTypePath = await x.pathOf('c1.api.app.v1.AppResourceType', typeId, () =>
        relations.resourceType(tenantId, appId, typeId),
      );
    }
    if (x.wants('app_resource_id') && typeId && resourceId) {
      view.appResourcePath = await x.pathOf('c1.api.app.v1.AppResource', resourceId, () =>
        relations.resource(tenantId, appId, typeId, resourceId),
      );
    }
  });
}
