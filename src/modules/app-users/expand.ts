// Expand masks of app-user answers (c1.api.app.v1.AppUserExpandMask): the app and the
// identity user of each account, each once in `expanded`. Gatehouse keeps no usage, so
// "last_usage" expands nothing.
import type { Core } from '../../core.ts';
import type { Fill } from '../../http/expand.ts';
import type { AppUserView } from './schemas.ts';

/** Fills an app-user view's appPath and identityUserPath as the mask asks. */
export function fillAppUser(core: Core, tenantId: string): Fill<AppUserView> {
  const { apps, users } = core.services;
  return async (view, x) => {
    const { appId, identityUserId: userId } = view.appUser;
    if (x.wants('app_id')) view.appPath = await x.pathOf('c1.api.app.v1.App', appId, () => apps.get(tenantId, appId));
    if (x.wants('identity_user_id') && userId) {
      view.identityUserPath = await x.pathOf('c1.api.user.v1.User', userId, () => users.get(tenantId, userId));
    }
  };
}
