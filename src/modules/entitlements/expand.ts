// Expand masks of entitlement answers (c1.api.app.v1.AppEntitlementExpandMask): the
// app, resource type and resource of each entitlement, each once in `expanded`.
import type { Core } from '../../core.ts';
import type { Fill } from '../../http/expand.ts';
import type { AppEntitlementView } from './schemas.ts';

/** Fills an entitlement view's appPath, appResourceTypePath and appResourcePath as the mask asks. */
export function fillEntitlement(core: Core, tenantId: string): Fill<AppEntitlementView> {
  const { apps, resourceTypes, resources } = core.services;
  return async (view, x) => {
    const { appId, appResourceTypeId: typeId, appResourceId: resourceId } = view.appEntitlement;
    if (x.wants('app_id')) view.appPath = await x.pathOf('c1.api.app.v1.App', appId, () => apps.get(tenantId, appId));
    if (x.wants('app_resource_type_id') && typeId) {
      view.appResourceTypePath = await x.pathOf('c1.api.app.v1.AppResourceType', typeId, () =>
        resourceTypes.get(tenantId, appId, typeId),
      );
    }
    if (x.wants('app_resource_id') && typeId && resourceId) {
      view.appResourcePath = await x.pathOf('c1.api.app.v1.AppResource', resourceId, () =>
        resources.get(tenantId, appId, typeId, resourceId),
      );
    }
  };
}
