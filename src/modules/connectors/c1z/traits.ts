// The trait annotations a baton Resource carries (UserTrait, GroupTrait, RoleTrait, AppTrait)
// and the enums they share with it. Field numbers: /work/shared/baton/README.md.
import type { AccountType, C1zUserTrait, JsonObject, ResourceStatus, ResourceTrait } from './types.ts';
import { bool, enumValue, fields, msg, str, struct, timestamp } from './wire.ts';

const TRAITS: Record<number, ResourceTrait> = { 1: 'user', 2: 'group', 3: 'role', 4: 'app', 5: 'secret' };
const STATUSES: Record<number, ResourceStatus> = { 1: 'enabled', 2: 'disabled', 3: 'deleted' };
const ACCOUNT_TYPES: Record<number, AccountType> = { 1: 'human', 2: 'service', 3: 'system' };

export const traitNames = (values: number[]): ResourceTrait[] => values.map((v) => TRAITS[v]).filter((t) => t !== undefined);

/** A Status message ({1 status enum, 2 details}). */
export function status(bytes: Uint8Array): { status: ResourceStatus | undefined; details: string } {
  let value = 0;
  let details = '';
  fields(bytes, (no, wt, r) => {
    if (no === 1) value = enumValue(r, wt);
    else if (no === 2) details = str(r, wt);
    else return false;
    return true;
  });
  return { status: STATUSES[value], details };
}

function email(bytes: Uint8Array): { address: string; primary: boolean } {
  let address = '';
  let primary = false;
  fields(bytes, (no, wt, r) => {
    if (no === 1) address = str(r, wt);
    else if (no === 2) primary = bool(r, wt);
    else return false;
    return true;
  });
  return { address, primary };
}

function structuredName(bytes: Uint8Array): { givenName: string; familyName: string } {
  const name = { givenName: '', familyName: '' };
  fields(bytes, (no, wt, r) => {
    if (no === 1) name.givenName = str(r, wt);
    else if (no === 2) name.familyName = str(r, wt);
    else return false;
    return true;
  });
  return name;
}

export function userTrait(bytes: Uint8Array): C1zUserTrait {
  const emails: { address: string; primary: boolean }[] = [];
  const trait: C1zUserTrait = {
    emails: [],
    status: undefined,
    statusDetails: '',
    accountType: undefined,
    login: '',
    loginAliases: [],
    employeeIds: [],
    profile: undefined,
    structuredName: undefined,
    createdAt: undefined,
    lastLogin: undefined,
  };
  fields(bytes, (no, wt, r) => {
    switch (no) {
      case 1:
        emails.push(email(msg(r, wt)));
        return true;
      case 2: {
        const s = status(msg(r, wt));
        trait.status = s.status;
        trait.statusDetails = s.details;
        return true;
      }
      case 3:
        trait.profile = struct(msg(r, wt));
        return true;
      case 5:
        trait.accountType = ACCOUNT_TYPES[enumValue(r, wt)];
        return true;
      case 6:
        trait.login = str(r, wt);
        return true;
      case 7:
        trait.loginAliases.push(str(r, wt));
        return true;
      case 8:
        trait.createdAt = timestamp(msg(r, wt));
        return true;
      case 9:
        trait.lastLogin = timestamp(msg(r, wt));
        return true;
      case 12:
        trait.structuredName = structuredName(msg(r, wt));
        return true;
      case 13:
        trait.employeeIds.push(str(r, wt));
        return true;
      default:
        return false;
    }
  });
  // Primary first; the sort is stable, so the others keep the connector's order.
  trait.emails = emails.sort((a, b) => Number(b.primary) - Number(a.primary)).map((e) => e.address);
  return trait;
}

/** The Struct at `profileField` of a Group (2) or Role (1) trait. */
export function traitProfile(bytes: Uint8Array, profileField: number): JsonObject | undefined {
  let profile: JsonObject | undefined;
  fields(bytes, (no, wt, r) => {
    if (no !== profileField) return false;
    profile = struct(msg(r, wt));
    return true;
  });
  return profile;
}

export function appTrait(bytes: Uint8Array): { helpUrl: string; profile: JsonObject | undefined } {
  const trait: { helpUrl: string; profile: JsonObject | undefined } = { helpUrl: '', profile: undefined };
  fields(bytes, (no, wt, r) => {
    if (no === 1) trait.helpUrl = str(r, wt);
    else if (no === 4) trait.profile = struct(msg(r, wt));
    else return false;
    return true;
  });
  return trait;
}
