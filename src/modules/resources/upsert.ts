// Create-or-update of resources for flat-file imports: a row is the resource of the type
// with its matchBatonId; without one it is created, or, when matching by name (the CSV
// import), it is the resource of the type with its display name (so a second run of the
// same file creates nothing; a name several resources share is refused as ambiguous). Rows go
// to the database in batches of one statement each (see batch-store.ts), in a
// transaction that holds the resource type as a single create does; a row
// that fails validation is refused before, and a batch the database refuses is
// retried row by row, so each refused row writes nothing and the others land.

import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { displayNameOf, textLength } from '../../http/schemas.ts';
import { invalidArgument } from '../../lib/errors.ts';
import type { UsersService } from '../users/service.ts';
import { type BatchOutcome, type BatchRow, findByNames, refreshStats, updateMatched, upsertBatch } from './batch-store.ts';
import { batonConflict } from './rows.ts';

export type ResourceUpsert = {
  displayName: string;
  /** Undefined leaves an existing description as it is; '' clears it. */
  description?: string;
  /** Rows without one are created, or matched by display name within the type when matching by name. */
  matchBatonId?: string;
  /** Undefined leaves owners as they are; otherwise the owners become exactly these users. */
  ownerEmails?: string[];
};

/** `id` is the resource created or matched. */
export type UpsertResult = BatchOutcome;

type Prepared = { at: number; row: BatchRow; keepDescription: boolean };

/** Rows per statement: large enough to spread the statement's fixed cost, small enough to plan fast. */
const MAX_ROWS = 1000;

export class Upserter {
  /** Email (lowercase) → user id; users are looked up once per import run. */
  private readonly emailIds = new Map<string, string>();
  /** Statistics are refreshed when the run begins and each time it has created as many rows again. */
  private created = 0;
  private nextStats = 0;

  constructor(
    private readonly db: Db,
    private readonly users: UsersService,
    private readonly scope: { tenantId: string; appId: string; typeId: string },
    /** Locks the resource type FOR SHARE in the batch's transaction; throws if it is gone. */
    private readonly holdType: (tx: Db) => Promise<unknown>,
    /** Rows without a matchBatonId update the type's resource with their display name, if there is one. */
    private readonly matchByName = false,
  ) {}

  async apply(input: ResourceUpsert): Promise<UpsertResult> {
    const [out] = await this.applyMany([input]);
    if (out instanceof Error) throw out;
    return out;
  }

  /** One result per input, in order: the outcome, or the error that refused the row. */
  async applyMany(inputs: ResourceUpsert[]): Promise<(UpsertResult | Error)[]> {
    const out: (UpsertResult | Error)[] = new Array(inputs.length);
    let group: Prepared[] = [];
    let batons = new Set<string>();
    let names = new Set<string>();
    const flush = async () => {
      if (group.length > 0) await this.write(group, out);
      group = [];
      batons = new Set();
      names = new Set();
    };
    for (let at = 0; at < inputs.length; at++) {
      let p: Prepared;
      try {
        p = await this.prepare(at, inputs[at]);
      } catch (err) {
        out[at] = err as Error;
        continue;
      }
      const baton = p.row.matchBatonId;
      const name = baton === null && this.matchByName ? p.row.displayName : null;
      // One statement must not touch a resource twice (a later row with the same key must see the
      // earlier one's resource), and mixes no description modes.
      if (
        group.length > 0 &&
        ((baton !== null && batons.has(baton)) ||
          (name !== null && names.has(name)) ||
          group[0].keepDescription !== p.keepDescription ||
          group.length >= MAX_ROWS)
      ) {
        await flush();
      }
      group.push(p);
      if (baton !== null) batons.add(baton);
      if (name !== null) names.add(name);
    }
    await flush();
    return out;
  }

  private async write(group: Prepared[], out: (UpsertResult | Error)[]): Promise<void> {
    if (group.length > 1 && this.created >= this.nextStats) {
      await refreshStats(this.db);
      this.nextStats = Math.max(1000, this.created * 2);
    }
    try {
      const results = await this.db.transaction(async (tx) => {
        await this.holdType(tx);
        return this.writeInTx(tx, group);
      });
      group.forEach((p, k) => {
        const r = results[k];
        out[p.at] = r;
        if (!(r instanceof Error) && r.outcome === 'created') this.created++;
      });
    } catch (err) {
      if (group.length === 1) {
        const e = batonConflict(err, group[0].row.matchBatonId);
        out[group[0].at] = e instanceof Error ? e : new Error(String(e));
        return;
      }
      // Find the row the database refused: the others still land, one statement each.
      for (const p of group) await this.write([p], out);
    }
  }

  /** Rows without a matchBatonId whose name one resource has update it; the others go through upsertBatch. */
  private async writeInTx(tx: Db, group: Prepared[]): Promise<(BatchOutcome | Error)[]> {
    const out: (BatchOutcome | Error)[] = new Array(group.length);
    // Without an index on names this looks through the type's resources once per statement.
    const unkeyed = this.matchByName ? group.filter((p) => p.row.matchBatonId === null).map((p) => p.row.displayName) : [];
    const found = unkeyed.length > 0 ? await findByNames(tx, this.scope, unkeyed) : new Map<string, { id: string; n: number }>();
    const upserts: number[] = [];
    const updates: number[] = [];
    group.forEach((p, k) => {
      const match = p.row.matchBatonId === null ? found.get(p.row.displayName) : undefined;
      if (!match) upserts.push(k);
      else if (match.n === 1) updates.push(k);
      else {
        out[k] = invalidArgument(
          `displayName: ${match.n} resources of this type are named "${p.row.displayName}"; give the row a matchBatonId`,
        );
      }
    });
    const keep = group[0].keepDescription;
    if (upserts.length > 0) {
      const r = await upsertBatch(
        tx,
        this.scope,
        upserts.map((k) => group[k].row),
        keep,
      );
      upserts.forEach((k, i) => {
        out[k] = r[i];
      });
    }
    if (updates.length > 0) {
      const rows = updates.map((k) => ({ ...group[k].row, id: (found.get(group[k].row.displayName) as { id: string }).id }));
      const r = await updateMatched(tx, this.scope, rows, keep);
      updates.forEach((k, i) => {
        out[k] = r[i];
      });
    }
    return out;
  }

  private async prepare(at: number, input: ResourceUpsert): Promise<Prepared> {
    const displayName = displayNameOf(input.displayName ?? '');
    const description = input.description;
    if (description !== undefined && textLength(description) > 4096)
      throw invalidArgument('description: at most 4096 characters');
    const matchBatonId = input.matchBatonId || null;
    if (matchBatonId !== null && textLength(matchBatonId) > 1024) throw invalidArgument('matchBatonId: at most 1024 characters');
    const ownerIds = input.ownerEmails && (await this.ownerIdsOf(input.ownerEmails));
    return {
      at,
      row: { id: newId(), displayName, description: description || null, matchBatonId, ownerIds },
      keepDescription: description === undefined,
    };
  }

  private async ownerIdsOf(emails: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const raw of emails) {
      const email = raw.trim().toLowerCase();
      if (!email) continue;
      let id = this.emailIds.get(email);
      if (id === undefined) {
        const user = await this.users.findByEmail(this.scope.tenantId, email);
        if (!user) throw invalidArgument(`ownerEmails: no user with email "${raw.trim()}"`);
        id = user.id;
        this.emailIds.set(email, id);
      }
      if (!ids.includes(id)) ids.push(id);
    }
    return ids;
  }
}
