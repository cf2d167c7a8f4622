// One execution of a named prepared statement whose result shape is already known, as a
// node-postgres "submittable" (the driver's interface for custom queries, pg-cursor's). It runs
// as the driver's own Query would (Parse once per connection, Bind, Execute, Sync, one write)
// but asks for the row description (Describe) only until the statement's shape is learnt: the
// driver parses that description and builds a parser per column on every execution, a tenth of
// GET app's samples in its CPU profile. Rows come back as arrays of values, parsed by the shape's
// parsers.
import type pg from 'pg';
// The driver's own value mapping (Date, Buffer, arrays, JSON), exactly as its Query binds values.
import { prepareValue } from 'pg/lib/utils.js';

type Parser = (text: string) => unknown;
type TypeParsers = { getTypeParser(oid: number, format?: 'text' | 'binary'): Parser };

/** What the first execution learns: one parser per selected column, from its type, and its name. */
export type Shape = { parsers?: Parser[]; names?: string[] };

/** The parts of node-postgres's Connection a submittable drives (as pg's Query and pg-cursor do). */
type Connection = {
  stream: { cork?: () => void; uncork?: () => void };
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  parse(msg: { text: string; name: string }): void;
  bind(msg: { portal: string; statement: string; values: unknown[]; valueMapper: typeof prepareValue }): void;
  describe(msg: { type: 'P'; name: string }): void;
  execute(msg: { portal: string }): void;
  close(msg: { type: 'S'; name: string }): void;
  sync(): void;
  sendCopyFail(message: string): void;
};
type Field = { name: string; dataTypeID: number; format: 'text' | 'binary' };

export class KnownShapeQuery {
  /** Set by the driver (pool.query's callback). */
  callback?: (err: Error | null, rows?: unknown[][]) => void;
  private readonly rows: unknown[][] = [];
  private failed: Error | undefined;

  constructor(
    readonly name: string,
    readonly text: string,
    private readonly values: unknown[],
    private readonly shape: Shape,
    private readonly types: TypeParsers,
  ) {}

  submit(con: Connection): Error | null {
    con.stream.cork?.();
    try {
      if (con.parsedStatements[this.name] === undefined && con.submittedNamedStatements[this.name] === undefined) {
        con.parse({ text: this.text, name: this.name });
        con.submittedNamedStatements[this.name] = this.text;
      }
      try {
        con.bind({ portal: '', statement: this.name, values: this.values, valueMapper: prepareValue });
      } catch (err) {
        // As the driver's Query: a value that cannot be sent fails this query, not the connection;
        // the answer waits for the ReadyForQuery that the Sync brings.
        con.close({ type: 'S', name: this.name });
        con.sync();
        this.failed = err as Error;
        return null;
      }
      if (!this.shape.parsers) con.describe({ type: 'P', name: '' });
      con.execute({ portal: '' });
      con.sync();
    } finally {
      con.stream.uncork?.();
    }
    return null;
  }

  handleRowDescription(msg: { fields: Field[] }): void {
    this.shape.names = msg.fields.map((f) => f.name);
    this.shape.parsers = msg.fields.map((f) => this.types.getTypeParser(f.dataTypeID, f.format));
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    if (this.failed) return;
    const parsers = this.shape.parsers as Parser[];
    const row = new Array<unknown>(msg.fields.length);
    try {
      for (let i = 0; i < row.length; i++) {
        const raw = msg.fields[i];
        row[i] = raw === null ? null : parsers[i](raw);
      }
    } catch (err) {
      this.failed = err as Error;
      return;
    }
    this.rows.push(row);
  }

  /** An error from the database: the driver sends this query nothing more (no ReadyForQuery). */
  handleError(err: Error): void {
    this.answer(err);
  }

  handleReadyForQuery(): void {
    this.answer(this.failed ?? null);
  }

  private answer(err: Error | null): void {
    const callback = this.callback;
    this.callback = undefined;
    if (err) callback?.(err);
    else callback?.(null, this.rows);
  }

  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
  handleCopyInResponse(con: Connection): void {
    con.sendCopyFail('No source stream defined');
  }
}

/** Runs `query` on a pooled connection; resolves with its rows. */
export const runKnownShape = (pool: pg.Pool, query: KnownShapeQuery): Promise<unknown[][]> =>
  pool.query(query as unknown as pg.QueryConfig) as unknown as Promise<unknown[][]>;
