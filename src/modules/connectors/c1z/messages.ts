// Decoding the `data` column of each baton table into a record. Ids come from the row's id
// columns where baton writes them there (newer writers strip a Grant's nested entitlement and
// principal), so only what the columns lack is read from the message.

import { appTrait, status, traitNames, traitProfile, userTrait } from './traits.ts';
import type { C1zEntitlement, C1zGrant, C1zGrantExpandable, C1zResource, C1zResourceType, EntitlementPurpose } from './types.ts';
import { any, bool, enums, enumValue, fields, msg, put, str, struct, timestamp } from './wire.ts';

const PURPOSES: Record<number, EntitlementPurpose> = { 1: 'assignment', 2: 'permission', 3: 'ownership' };

export function decodeResourceType(data: Uint8Array, externalId: string): C1zResourceType {
  const traits: number[] = [];
  const type: C1zResourceType = { id: externalId, displayName: '', description: '', traits: [] };
  fields(data, (no, wt, r) => {
    if (no === 1) type.id = str(r, wt) || externalId;
    else if (no === 2) type.displayName = str(r, wt);
    else if (no === 3) enums(r, wt, traits);
    else if (no === 5) type.description = str(r, wt);
    else return false;
    return true;
  });
  type.traits = traitNames(traits);
  return type;
}

function resourceId(bytes: Uint8Array): { type: string; id: string } {
  const out = { type: '', id: '' };
  fields(bytes, (no, wt, r) => {
    if (no === 1) out.type = str(r, wt);
    else if (no === 2) out.id = str(r, wt);
    else return false;
    return true;
  });
  return out;
}

export type ResourceColumns = {
  resourceTypeId: string;
  externalId: string;
  parentResourceTypeId: string | null;
  parentResourceId: string | null;
};

export function decodeResource(data: Uint8Array, cols: ResourceColumns): C1zResource {
  const prefix = `${cols.resourceTypeId}:`;
  const res: C1zResource = {
    resourceTypeId: cols.resourceTypeId,
    id: cols.externalId.startsWith(prefix) ? cols.externalId.slice(prefix.length) : cols.externalId,
    parentResourceTypeId: cols.parentResourceTypeId || undefined,
    parentResourceId: cols.parentResourceId || undefined,
    displayName: '',
    description: '',
    status: undefined,
    createdAt: undefined,
    profile: undefined,
    userTrait: undefined,
    groupTrait: undefined,
    roleTrait: undefined,
    appTrait: undefined,
    childResourceTypeIds: [],
  };
  fields(data, (no, wt, r) => {
    switch (no) {
      case 1: {
        const id = resourceId(msg(r, wt));
        if (id.id) res.id = id.id;
        return true;
      }
      case 2: {
        const parent = resourceId(msg(r, wt));
        if (parent.id) {
          res.parentResourceTypeId = parent.type;
          res.parentResourceId = parent.id;
        }
        return true;
      }
      case 3:
        res.displayName = str(r, wt);
        return true;
      case 4:
        annotateResource(res, msg(r, wt));
        return true;
      case 5:
        res.description = str(r, wt);
        return true;
      case 9:
        res.profile = struct(msg(r, wt));
        return true;
      case 11:
        res.status = status(msg(r, wt)).status;
        return true;
      case 12:
        res.createdAt = timestamp(msg(r, wt));
        return true;
      default:
        return false;
    }
  });
  return res;
}

function annotateResource(res: C1zResource, anyBytes: Uint8Array): void {
  const { type, value } = any(anyBytes);
  if (type === 'c1.connector.v2.UserTrait') res.userTrait = userTrait(value);
  else if (type === 'c1.connector.v2.GroupTrait') res.groupTrait = { profile: traitProfile(value, 2) };
  else if (type === 'c1.connector.v2.RoleTrait') res.roleTrait = { profile: traitProfile(value, 1) };
  else if (type === 'c1.connector.v2.AppTrait') res.appTrait = appTrait(value);
  else if (type === 'c1.connector.v2.ChildResourceType') {
    fields(value, (no, wt, r) => {
      if (no !== 1) return false;
      res.childResourceTypeIds.push(str(r, wt));
      return true;
    });
  }
}

export type EntitlementColumns = { resourceTypeId: string; resourceId: string; externalId: string };

export function decodeEntitlement(data: Uint8Array, cols: EntitlementColumns): C1zEntitlement {
  const ent: C1zEntitlement = {
    resourceTypeId: cols.resourceTypeId,
    resourceId: cols.resourceId,
    id: cols.externalId,
    slug: '',
    displayName: '',
    description: '',
    purpose: undefined,
    grantableTo: [],
  };
  fields(data, (no, wt, r) => {
    if (no === 2) ent.id = str(r, wt) || cols.externalId;
    else if (no === 3) ent.displayName = str(r, wt);
    else if (no === 4) ent.description = str(r, wt);
    else if (no === 5) {
      const grantable = decodeResourceType(msg(r, wt), '');
      if (grantable.id) ent.grantableTo.push(grantable.id);
    } else if (no === 7) ent.purpose = PURPOSES[enumValue(r, wt)];
    else if (no === 8) ent.slug = str(r, wt);
    else return false;
    return true;
  });
  return ent;
}

export function decodeGrantExpandable(bytes: Uint8Array): C1zGrantExpandable {
  const out: C1zGrantExpandable = { entitlementIds: [], shallow: false, resourceTypeIds: [] };
  fields(bytes, (no, wt, r) => {
    if (no === 1) out.entitlementIds.push(str(r, wt));
    else if (no === 2) out.shallow = bool(r, wt);
    else if (no === 3) out.resourceTypeIds.push(str(r, wt));
    else return false;
    return true;
  });
  return out;
}

export type GrantColumns = {
  resourceTypeId: string;
  resourceId: string;
  entitlementId: string;
  principalResourceTypeId: string;
  principalResourceId: string;
  externalId: string;
  /** Newer writers' `expansion` column: a serialized GrantExpandable, or null. */
  expansion: Uint8Array | null;
};

export function decodeGrant(data: Uint8Array, cols: GrantColumns): C1zGrant {
  const grant: C1zGrant = {
    id: cols.externalId,
    entitlementId: cols.entitlementId,
    entitlementResourceTypeId: cols.resourceTypeId,
    entitlementResourceId: cols.resourceId,
    principalResourceTypeId: cols.principalResourceTypeId,
    principalResourceId: cols.principalResourceId,
    sources: {},
    expandable: undefined,
    immutableSourceId: undefined,
  };
  fields(data, (no, wt, r) => {
    if (no === 3) grant.id = str(r, wt) || cols.externalId;
    else if (no === 4) annotateGrant(grant, msg(r, wt));
    else if (no === 5) grantSources(grant.sources, msg(r, wt));
    else return false;
    return true;
  });
  if (!grant.expandable && cols.expansion && cols.expansion.length > 0) grant.expandable = decodeGrantExpandable(cols.expansion);
  return grant;
}

function annotateGrant(grant: C1zGrant, anyBytes: Uint8Array): void {
  const { type, value } = any(anyBytes);
  if (type === 'c1.connector.v2.GrantExpandable') grant.expandable = decodeGrantExpandable(value);
  else if (type === 'c1.connector.v2.GrantImmutable') {
    grant.immutableSourceId = '';
    fields(value, (no, wt, r) => {
      if (no !== 1) return false;
      grant.immutableSourceId = str(r, wt);
      return true;
    });
  }
}

/** GrantSources{1 map<string, GrantSource{1 is_direct}>}. */
function grantSources(out: Record<string, { isDirect: boolean }>, bytes: Uint8Array): void {
  fields(bytes, (no, wt, r) => {
    if (no !== 1) return false;
    let key = '';
    let isDirect = false;
    fields(msg(r, wt), (eno, ewt, er) => {
      if (eno === 1) key = str(er, ewt);
      else if (eno === 2) {
        fields(msg(er, ewt), (sno, swt, sr) => {
          if (sno !== 1) return false;
          isDirect = bool(sr, swt);
          return true;
        });
      } else return false;
      return true;
    });
    put(out, key, { isDirect });
    return true;
  });
}
