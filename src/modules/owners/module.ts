import { defineModule } from '../module.ts';
import { OwnersService } from './service.ts';

// No routes of its own: apps, resources and entitlements expose their owners through it.
export const ownersModule = defineModule({ name: 'owners', create: ({ db, services }) => new OwnersService(db, services.users) });
