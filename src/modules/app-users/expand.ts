// Expand masks of app-user answers (c1.api.app.v1.AppUserExpandMask): the app and the
// identity user of each account, each once in `expanded`. Gatehouse keeps no usage, so
// "last_usage" expands nothing.
import type { Core } from '../../core.ts';
import { expandEach } from '../../http/expand.ts';
import type { AppUserExpandPath, AppUserView } from './schemas.ts';

/** Reads the related objects (the apps and users services). */
export type AppUserRelations = {
  app(tenantId: string, appId: string): Promise<object>;
  user(tenantId: string, userId: string): Promise<object>;
};

export function appUserRelations(core: Core): AppUserRelations {
  const { apps, users } = core.services;
  return { app: (tenantId, appId) => apps.get(tenantId, appId), user: (tenantId, id) => users.get(tenantId, id) };
}

/** The views with the paths the mask asks for, and the `expanded` they point into. */
export function expandAppUsers(
  relations: AppUserRelations,
  tenantId: string,
  views: AppUserView[],
  paths: AppUserExpandPath[] | undefined,
) {
  return expandEach(views, paths, async (view, x) => {
    const { appId, identityUserId: userId } = view.appUser;
    if (x.wants('app_id')) view.appPath = await x.pathOf('c1.api.app.v1.App', appId, () => relations.app(tenantId, appId));
    if (x.wants('identity_user_id') && userId) {
      view.identityUserPath = await x.pathOf('c1.api.user.v1.User', userId, () => relations.user(tenantId, userId));
    }
  });
}
