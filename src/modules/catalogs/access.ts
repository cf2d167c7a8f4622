// Who may see every catalog and ask for anyone, and for whom others may ask.
import type { Caller } from '../../http/routes.ts';
import { permissionDenied } from '../../lib/errors.ts';
import { permissionsOf } from '../roles/authorization.ts';
import type { User } from '../users/schemas.ts';

/** Administrators of requests see every catalog, published or not, and may request anything for anyone. */
export function seesAll(caller: Pick<Caller, 'roleIds'>): boolean {
  const p = permissionsOf(caller.roleIds);
  return p.has('catalogs:write') || p.has('tasks:request_others');
}

/** A person without tasks:request_others asks for themselves or their direct reports only. */
export function requireMayRequestFor(me: string, subject: Pick<User, 'id' | 'managerIds'>): void {
  if (subject.id !== me && !(subject.managerIds ?? []).includes(me)) {
    throw permissionDenied(
      'missing permission tasks:request_others: you may request access only for yourself or your direct reports',
    );
  }
}
