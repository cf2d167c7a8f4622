// Every module, in the order their services are made: each after the modules it uses.
// Routes are mounted in this order too. To add a module, see README.md ("Adding a module").
import { appUsersModule } from './app-users/module.ts';
import { appsModule } from './apps/module.ts';
import { catalogsModule } from './catalogs/module.ts';
import { clientsModule } from './clients/module.ts';
import { connectorsModule, syncModule } from './connectors/module.ts';
import { directoriesModule } from './directories/module.ts';
import { entitlementsModule } from './entitlements/module.ts';
import { grantLedgerModule, grantsModule } from './grants/module.ts';
import type { ModuleDescriptor } from './module.ts';
import { ownersModule } from './owners/module.ts';
import { personalClientsModule } from './personal-clients/module.ts';
import { policiesModule } from './policies/module.ts';
import { resourceTypesModule } from './resource-types/module.ts';
import { resourcesModule } from './resources/module.ts';
import { rolesModule } from './roles/module.ts';
import { systemLogModule } from './systemlog/module.ts';
import { tasksModule } from './tasks/module.ts';
import { tenantsModule } from './tenants/module.ts';
import { tokensModule } from './tokens/module.ts';
import { usersModule } from './users/module.ts';
import { webhooksModule } from './webhooks/module.ts';

export const modules: ModuleDescriptor[] = [
  tenantsModule,
  systemLogModule,
  clientsModule,
  tokensModule,
  rolesModule,
  usersModule,
  personalClientsModule,
  grantLedgerModule,
  ownersModule,
  webhooksModule,
  policiesModule,
  catalogsModule,
  appsModule,
  resourceTypesModule,
  resourcesModule,
  entitlementsModule,
  appUsersModule,
  grantsModule,
  tasksModule,
  directoriesModule,
  syncModule,
  connectorsModule,
] as ModuleDescriptor[];
