// Many users at once (the CSV import): rows checked in memory, written a batch per
// statement, managers (named by email, maybe by a later row) set once every row is
// in, and the manager chains checked for cycles, all in ONE transaction: a file
// refused for its managers leaves nothing behind.
import { newId } from '../../db/ids.ts';
import type { Db } from '../../db/index.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { type BatchOutcome, idsByEmail, setManagers, upsertUsers } from './import-store.ts';
import { checkUserInput, type UserInput } from './input.ts';
import { describeCycle, lockManagerChains, managerCycles } from './managers.ts';

export type ImportRow = {
  line: number;
  /** The user's fields; absent optional ones keep their stored values. managerIds/delegatedUserId are not taken. */
  input: UserInput;
  /** Managers' emails, in order; undefined keeps the stored managers, [] clears them. */
  managerEmails?: string[];
};

/** The file as a whole is refused: each error names a line; nothing was written. */
export class ImportRefused extends Error {
  constructor(readonly errors: { line: number; reason: string }[]) {
    super(errors.map((e) => `line ${e.line}: ${e.reason}`).join('; '));
  }
}

/** Statements are chunked so that no parameter grows without bound. */
const CHUNK = 5_000;
const chunks = <T>(list: T[]): T[][] =>
  Array.from({ length: Math.ceil(list.length / CHUNK) }, (_, i) => list.slice(i * CHUNK, (i + 1) * CHUNK));

export class UserImport {
  private tx: Db | undefined;
  /** By lower-cased email: the last row that named managers for that user; `set` once they are written. */
  private readonly managers = new Map<string, { line: number; managerEmails: string[]; set: boolean }>();
  /** By lower-cased email: the id of each user the rows wrote or found. */
  private readonly ids = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly tenantId: string,
  ) {}

  /**
   * Runs `write` (which calls applyMany) in one transaction, then sets the managers the rows named
   * and refuses the file (ImportRefused: all rolled back) for a manager that is no user, or a cycle.
   */
  async run(write: () => Promise<void>): Promise<void> {
    await this.db.transaction(async (tx) => {
      this.tx = tx;
      try {
        await write();
        await this.setManagers(tx);
      } finally {
        this.tx = undefined;
      }
    });
  }

  /** One outcome per row, or the Error that rejected it (then it wrote nothing). */
  async applyMany(rows: ImportRow[]): Promise<(BatchOutcome | Error)[]> {
    const tx = this.tx;
    if (!tx) throw new Error('UserImport.applyMany outside run()');
    const out: (BatchOutcome | Error)[] = new Array(rows.length);
    // One statement must not touch a user twice: a repeated email starts a new group.
    let group: { at: number; row: ImportRow; v: UserInput }[] = [];
    const emails = new Set<string>();
    const flush = async () => {
      if (group.length === 0) return;
      const outcomes = await upsertUsers(
        tx,
        this.tenantId,
        group.map(({ row, v }) => ({ id: newId(), ...v, managerEmails: row.managerEmails, managerIds: this.knownIds(row) })),
      );
      group.forEach(({ at, v }, i) => {
        out[at] = outcomes[i].outcome;
        this.ids.set(v.email.toLowerCase(), outcomes[i].id);
      });
      group = [];
      emails.clear();
    };
    for (let at = 0; at < rows.length; at++) {
      const row = rows[at];
      let v: UserInput;
      try {
        v = checkUserInput(row.input);
        if (row.managerEmails && row.managerEmails.length > 100) throw invalidArgument('managerEmail: at most 100 managers');
      } catch (err) {
        out[at] = err as Error;
        continue;
      }
      const key = v.email.toLowerCase();
      if (emails.has(key)) await flush();
      emails.add(key);
      group.push({ at, row, v });
      if (row.managerEmails) {
        this.managers.set(key, { line: row.line, managerEmails: row.managerEmails, set: this.knownIds(row) !== undefined });
      }
    }
    await flush();
    return out;
  }

  /** The ids of the row's managers when every one is a user the rows already wrote (most files name managers first). */
  private knownIds(row: ImportRow): string[] | undefined {
    const ids = row.managerEmails?.map((e) => this.ids.get(e.toLowerCase()));
    return ids?.every((id) => id !== undefined) ? [...new Set(ids as string[])] : undefined;
  }

  private async setManagers(tx: Db): Promise<void> {
    if (this.managers.size === 0) return;
    // Managers not among the rows are looked up in the tenant, a chunk of emails per statement.
    const others = [...new Set([...this.managers.values()].flatMap((m) => m.managerEmails.map((e) => e.toLowerCase())))].filter(
      (e) => !this.ids.has(e),
    );
    for (const chunk of chunks(others)) for (const [k, id] of await idsByEmail(tx, this.tenantId, chunk)) this.ids.set(k, id);
    const unknown = [...this.managers.values()].flatMap(({ line, managerEmails }) =>
      managerEmails.filter((e) => !this.ids.has(e.toLowerCase())).map((email) => ({ line, email })),
    );
    if (unknown.length > 0) {
      throw new ImportRefused(
        unknown
          .sort((a, b) => a.line - b.line)
          .map((u) => ({ line: u.line, reason: `managerEmail: no user ${u.email} in the file or the tenant` })),
      );
    }
    await lockManagerChains(tx, this.tenantId); // see there why
    // Managers named before their row came were written with the row; the others now.
    const rows = [...this.managers]
      .filter(([, m]) => !m.set)
      .map(([email, m]) => ({
        id: this.ids.get(email) as string,
        managerIds: [...new Set(m.managerEmails.map((e) => this.ids.get(e.toLowerCase()) as string))],
      }));
    for (const chunk of chunks(rows)) await setManagers(tx, this.tenantId, chunk);
    // Every user given managers is a start: a new cycle passes through one of them.
    const starts = [...this.managers.keys()].map((email) => this.ids.get(email) as string);
    const cycles = await managerCycles(tx, this.tenantId, starts, 10);
    if (cycles.length === 0) return;
    const lineOf = (email: string) => this.managers.get(email.toLowerCase())?.line;
    throw new ImportRefused(
      cycles.map((cycle) => {
        const lines = [...new Set(cycle.map((u) => lineOf(u.email)).filter((l) => l !== undefined))].sort((a, b) => a - b);
        const where = (u: { email: string }) => {
          const line = lineOf(u.email);
          return line === undefined ? `${u.email} (already in the tenant)` : `${u.email} (line ${line})`;
        };
        return {
          line: lines[0] ?? 0,
          reason:
            `managerEmail: a cycle in the manager chain (${lines.length === 1 ? 'line' : 'lines'} ${lines.join(', ')}): ` +
            `${describeCycle(cycle, where)} (each managed by the next)`,
        };
      }),
    );
  }
}
