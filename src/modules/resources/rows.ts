// Row ↔ API conversions shared by the service and the upserter.

import { int64, orUndef } from '../../http/schemas.ts';
import { alreadyExists, pgErrorCode } from '../../lib/errors.ts';
import type { AppResource } from './schemas.ts';
import type { ResourceRow } from './store.ts';

export function toAppResource(row: ResourceRow): AppResource {
  return {
    id: row.id,
    appId: row.appId,
    appResourceTypeId: row.appResourceTypeId,
    displayName: row.displayName,
    description: orUndef(row.description),
    customDescription: orUndef(row.customDescription),
    matchBatonId: orUndef(row.matchBatonId),
    grantCount: int64(row.grantCount),
    parentAppResourceId: orUndef(row.parentAppResourceId),
    parentAppResourceTypeId: orUndef(row.parentAppResourceTypeId),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A unique violation can only be the matchBatonId of the type. */
export function batonConflict(err: unknown, matchBatonId: string | null | undefined): unknown {
  if (pgErrorCode(err) === '23505') {
    return alreadyExists(`matchBatonId: a resource with matchBatonId "${matchBatonId}" already exists in this resource type`);
  }
  return err;
}
