// Roles as the CLI and CSV imports name them: any name findRole accepts.
import { ApiError, Code } from '../lib/errors.ts';
import { BUILTIN_ROLES, findRole } from '../modules/roles/builtin.ts';

/** The roles, as an error message lists them. */
export const ROLE_NAMES = BUILTIN_ROLES.map((r) => `${r.displayName} (${r.key})`).join(', ');

/** The ids of the roles named; an unknown name is an INVALID_ARGUMENT naming `field` and listing the roles. */
export function roleIdsOf(field: string, names: string[]): string[] {
  return names.map((name) => {
    const role = findRole(name);
    if (!role)
      throw new ApiError(Code.INVALID_ARGUMENT, `${field}: "${name.trim()}" is not a role; the roles are: ${ROLE_NAMES}`);
    return role.id;
  });
}
