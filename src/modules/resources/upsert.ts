// Create-or-update of resources by matchBatonId, for flat-file imports. Each row
// is one SQL statement (atomic, one commit), so a refused row writes nothing and
// large files need no per-row transaction round trips.

import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { invalidArgument } from '../../http/errors.ts';
import { displayNameOf } from '../../http/schemas.ts';
import type { UsersService } from '../users/service.ts';
import { batonConflict } from './rows.ts';
import * as store from './store.ts';

export type ResourceUpsert = {
  displayName: string;
  /** Undefined leaves an existing description as it is; '' clears it. */
  description?: string;
  /** Rows without one are always created. */
  matchBatonId?: string;
  /** Undefined leaves owners as they are; otherwise the owners become exactly these users. */
  ownerEmails?: string[];
};

/** `id` is the resource created or matched. */
export type UpsertResult = store.UpsertOutcome;

export class Upserter {
  /** Email (lowercase) → user id; users are looked up once per import run. */
  private readonly emailIds = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly users: UsersService,
    private readonly tenantId: string,
    private readonly appId: string,
    private readonly typeId: string,
  ) {}

  async apply(input: ResourceUpsert): Promise<UpsertResult> {
    const displayName = displayNameOf(input.displayName ?? '');
    const description = input.description;
    if (description !== undefined && description.length > 4096) throw invalidArgument('description: at most 4096 characters');
    const batonId = input.matchBatonId || null;
    if (batonId !== null && batonId.length > 1024) throw invalidArgument('matchBatonId: at most 1024 characters');
    const ownerIds = input.ownerEmails && (await this.ownerIdsOf(input.ownerEmails));
    const row = {
      tenantId: this.tenantId,
      id: newId(),
      appId: this.appId,
      appResourceTypeId: this.typeId,
      displayName,
      description: description || null,
      matchBatonId: batonId,
    };
    try {
      return await store.upsertByBatonId(this.db, row, description === undefined, ownerIds);
    } catch (err) {
      throw batonConflict(err, batonId);
    }
  }

  private async ownerIdsOf(emails: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const raw of emails) {
      const email = raw.trim().toLowerCase();
      if (!email) continue;
      let id = this.emailIds.get(email);
      if (id === undefined) {
        const user = await this.users.findByEmail(this.tenantId, email);
        if (!user) throw invalidArgument(`ownerEmails: no user with email "${raw.trim()}"`);
        id = user.id;
        this.emailIds.set(email, id);
      }
      if (!ids.includes(id)) ids.push(id);
    }
    return ids;
  }
}
