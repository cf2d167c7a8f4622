// The part of sql.js this module uses. @types/sql.js is not used: it pulls in @types/emscripten,
// whose global declarations clash with the ones src/db/pglite-fs.ts relies on.
declare module 'sql.js' {
  export type SqlValue = number | string | Uint8Array | null;
  export interface Statement {
    /** Binds the values, runs the statement to its end and resets it (sql.js). */
    run(params?: SqlValue[]): void;
    step(): boolean;
    get(): SqlValue[];
    free(): boolean;
  }
  export interface QueryExecResult {
    columns: string[];
    values: SqlValue[][];
  }
  export interface Database {
    prepare(sql: string, params?: SqlValue[]): Statement;
    exec(sql: string, params?: SqlValue[]): QueryExecResult[];
    run(sql: string, params?: SqlValue[]): Database;
    export(): Uint8Array;
    close(): void;
  }
  export interface SqlJsStatic {
    Database: new (data?: ArrayLike<number> | Buffer | null) => Database;
  }
  export default function initSqlJs(config?: Record<string, unknown>): Promise<SqlJsStatic>;
}
