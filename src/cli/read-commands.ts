// Read commands over an app's data: apps, resource types, resources, entitlements
// and grants ("who has what"). Lists print a table on a terminal and JSON otherwise
// (or with --json); `get` prints JSON. Everything goes through the services.
import { type Command, Option } from 'commander';
import type { Core } from '../core.ts';
import { ApiError, Code } from '../lib/errors.ts';
import type { App } from '../modules/apps/schemas.ts';
import type { AppEntitlement } from '../modules/entitlements/schemas.ts';
import type { AppResourceType } from '../modules/resource-types/schemas.ts';
import type { AppResource } from '../modules/resources/schemas.ts';
import type { CliKit } from './import.ts';
import { allPages, naming } from './output.ts';

type TenantOpt = { tenant?: string; json?: boolean };
const appOption = () => new Option('--app <id>', 'app id').makeOptionMandatory();
export const jsonOption = () => new Option('--json', 'print JSON even on a terminal');

/** One line of `grants list`: who holds which entitlement, since when, until when. */
export type GrantLine = {
  userId?: string;
  userEmail?: string;
  userDisplayName?: string;
  appUserId: string;
  entitlementId: string;
  entitlementDisplayName: string;
  entitlementSlug?: string;
  appResourceId?: string;
  grantedAt: string;
  expiresAt?: string;
};

export function addReadCommands(program: Command, kit: CliKit): void {
  const { withCore, tenantOf } = kit;
  const tenantId = async (core: Core, opt: TenantOpt) => (await tenantOf(core, opt)).id;

  const apps = program.command('apps').description('read apps');
  apps
    .command('list')
    .description('list the apps of the tenant')
    .addOption(jsonOption())
    .addOption(kit.tenantOption())
    .action(async (opt: TenantOpt) =>
      withCore(async (core) => {
        const t = await tenantId(core, opt);
        const list = await allPages((page) => core.services.apps.search(t, {}, page));
        kit.list<App>(list, opt, [
          ['ID', (a) => a.id],
          ['NAME', (a) => a.displayName],
          ['MANUAL', (a) => (a.isManuallyManaged ? 'yes' : 'no')],
          ['USERS', (a) => a.userCount],
        ]);
      }),
    );
  apps
    .command('get <id>')
    .description('print one app as JSON')
    .addOption(kit.tenantOption())
    .action(async (id: string, opt: TenantOpt) =>
      withCore(async (core) => {
        const t = await tenantId(core, opt);
        kit.print(await naming({ app: id }, () => core.services.apps.get(t, id)));
      }),
    );

  program
    .command('resource-types')
    .description('read resource types')
    .command('list')
    .description('list the resource types of an app')
    .addOption(appOption())
    .addOption(jsonOption())
    .addOption(kit.tenantOption())
    .action(async (opt: TenantOpt & { app: string }) =>
      withCore(async (core) => {
        const t = await tenantId(core, opt);
        const list = await naming({ app: opt.app }, () => allPages((page) => core.services.resourceTypes.list(t, opt.app, page)));
        kit.list<AppResourceType>(list, opt, [
          ['ID', (r) => r.id],
          ['NAME', (r) => r.displayName],
          ['TRAITS', (r) => r.traitIds?.join(',')],
        ]);
      }),
    );

  program
    .command('resources')
    .description('read resources')
    .command('list')
    .description('list the resources of an app, or of one of its resource types')
    .addOption(appOption())
    .option('--type <id>', 'resource type id (of that app)')
    .addOption(jsonOption())
    .addOption(kit.tenantOption())
    .action(async (opt: TenantOpt & { app: string; type?: string }) =>
      withCore(async (core) => {
        const t = await tenantId(core, opt);
        const list = await naming({ app: opt.app, 'app resource type': opt.type }, async () => {
          // The search finds nothing for an unknown id; the user should hear which id is wrong.
          if (opt.type) await core.services.resourceTypes.get(t, opt.app, opt.type);
          else await core.services.apps.get(t, opt.app);
          return allPages((page) =>
            core.services.resources.search(t, { appId: opt.app, resourceTypeIds: opt.type ? [opt.type] : undefined }, page),
          );
        });
        kit.list<AppResource>(list, opt, [
          ['ID', (r) => r.id],
          ['NAME', (r) => r.displayName],
          ['TYPE', (r) => r.appResourceTypeId],
          ['GRANTS', (r) => r.grantCount],
          ['BATON ID', (r) => r.matchBatonId],
        ]);
      }),
    );

  program
    .command('entitlements')
    .description('read entitlements')
    .command('list')
    .description('list the entitlements of an app')
    .addOption(appOption())
    .addOption(jsonOption())
    .addOption(kit.tenantOption())
    .action(async (opt: TenantOpt & { app: string }) =>
      withCore(async (core) => {
        const t = await tenantId(core, opt);
        const views = await naming({ app: opt.app }, () => allPages((page) => core.services.entitlements.list(t, opt.app, page)));
        kit.list<AppEntitlement>(
          views.map((v) => v.appEntitlement as AppEntitlement),
          opt,
          [
            ['ID', (e) => e.id],
            ['NAME', (e) => e.displayName],
            ['SLUG', (e) => e.slug],
            ['RESOURCE', (e) => e.appResourceId],
            ['GRANTS', (e) => e.grantCount],
          ],
        );
      }),
    );

  program
    .command('grants')
    .description('who has what')
    .command('list')
    .description('list the grants in force in an app: who holds which entitlement, since when, until when')
    .addOption(appOption())
    .option('--entitlement <id>', 'only grants of this entitlement')
    .option('--user <email>', 'only grants of this user')
    .addOption(jsonOption())
    .addOption(kit.tenantOption())
    .action(async (opt: TenantOpt & { app: string; entitlement?: string; user?: string }) =>
      withCore(async (core) => {
        const t = await tenantId(core, opt);
        const lines = await naming({ app: opt.app, 'app entitlement': opt.entitlement }, () => grantLines(core, t, opt));
        kit.list<GrantLine>(lines, opt, [
          ['USER', (g) => g.userEmail ?? g.userDisplayName],
          ['ENTITLEMENT', (g) => g.entitlementDisplayName],
          ['GRANTED', (g) => g.grantedAt],
          ['EXPIRES', (g) => g.expiresAt ?? 'never'],
          ['APP USER', (g) => g.appUserId],
          ['ENTITLEMENT ID', (g) => g.entitlementId],
        ]);
      }),
    );
}

async function grantLines(
  core: Core,
  tenantId: string,
  opt: { app: string; entitlement?: string; user?: string },
): Promise<GrantLine[]> {
  const { apps, entitlements, users, grants } = core.services;
  await apps.get(tenantId, opt.app);
  if (opt.entitlement) await entitlements.get(tenantId, opt.app, opt.entitlement);
  let userId: string | undefined;
  if (opt.user !== undefined) {
    const user = await users.findByEmail(tenantId, opt.user.trim());
    if (!user) throw new ApiError(Code.NOT_FOUND, `user ${opt.user} not found`);
    userId = user.id;
  }
  const found = await allPages((page) =>
    grants.reads.search(
      tenantId,
      {
        appIds: [opt.app],
        entitlementRefs: opt.entitlement ? [{ appId: opt.app, id: opt.entitlement }] : undefined,
        userId,
      },
      page,
    ),
  );
  const people = await users.byIds(
    tenantId,
    found.flatMap((g) => g.appEntitlementUserBinding.appUser.appUser.identityUserId ?? []),
  );
  return found.map(({ entitlement, appEntitlementUserBinding: b }) => {
    const account = b.appUser.appUser;
    const person = account.identityUserId ? people.get(account.identityUserId) : undefined;
    const ent = entitlement.appEntitlement as AppEntitlement;
    return {
      userId: person?.id,
      userEmail: person?.email ?? account.email,
      userDisplayName: person?.displayName ?? account.displayName,
      appUserId: account.id,
      entitlementId: ent.id,
      entitlementDisplayName: ent.displayName,
      entitlementSlug: ent.slug,
      appResourceId: ent.appResourceId,
      grantedAt: b.appEntitlementUserBindingCreatedAt,
      expiresAt: b.appEntitlementUserBindingDeprovisionAt,
    };
  });
}
