// Shared runner for flat-file (CSV) imports: streams rows, applies each in its
// own transaction (a rejected row writes nothing), reports line numbers, shows
// progress on large files and ends with a summary.
import { open } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { ApiError } from '../lib/errors.ts';
import { cliPath } from './context.ts';

export type RowOutcome = 'created' | 'updated' | 'unchanged';
export type ImportSummary = {
  file: string;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  errors: { line: number; reason: string }[];
};

export type ImportOptions = {
  required: string[];
  optional: string[];
  /** Applies one row; throws ApiError (or any Error) to reject it. */
  apply: (row: Record<string, string>, line: number) => Promise<RowOutcome>;
  progress?: (message: string) => void;
  progressEvery?: number;
  /**
   * Optional, for large files: applies up to `batchSize` rows at once instead of `apply`; answers one
   * outcome, or the Error that rejected the row (which must then have written nothing), per row in order.
   */
  applyBatch?: (rows: { row: Record<string, string>; line: number }[]) => Promise<(RowOutcome | Error)[]>;
  batchSize?: number;
  /**
   * Optional: runs the whole write phase (every row) inside it, e.g. in one transaction; it may
   * then refuse the file by throwing FileRefused, when nothing it wrote may stay.
   */
  session?: (write: () => Promise<void>) => Promise<void>;
};

/** Thrown by an import's session: the file is refused as a whole (each error names a line); nothing was written. */
export class FileRefused extends Error {
  constructor(readonly errors: { line: number; reason: string }[]) {
    super(errors.map((e) => `line ${e.line}: ${e.reason}`).join('; '));
  }
}

/** The exit code of an import: 0 all rows applied, 1 some rows rejected, 2 the file was refused (nothing written). */
export const importExitCode = (s: ImportSummary): number => (s.rejected > 0 ? 1 : s.errors.length > 0 ? 2 : 0);

type Row = { record: string[]; info: { lines: number } };

function parser(source: NodeJS.ReadableStream) {
  // Records as arrays: the header is checked here, and a row with more cells than it is seen.
  return source.pipe(parse({ info: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: true }));
}

/** Where and why the file is not well-formed CSV, in the summary's words. */
function malformed(err: unknown, lastLine: number): { line: number; reason: string } {
  const e = err as { code?: string; message?: string; lines?: number };
  if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
    return { line: lastLine + 1, reason: 'malformed CSV: a quoted field starting on this line is never closed' };
  }
  return { line: e.lines ?? lastLine + 1, reason: `malformed CSV: ${e.message ?? String(err)}` };
}

/** The header row's column names; throws when there is none or it does not fit `opts`. */
function checkHeader(file: string, header: string[], opts: ImportOptions): string[] {
  const cols = header.map((h) => h.trim());
  const known = new Set([...opts.required, ...opts.optional]);
  const expected = `${opts.required.join(',')}[,${opts.optional.join(',')}]`;
  // No known name at all: the first line is data, not a header.
  if (!cols.some((c) => known.has(c))) {
    throw new ApiError(
      3,
      `${file}: no header row: the first line must name the columns (${expected}), it reads "${header.join(',')}"`,
    );
  }
  const missing = opts.required.filter((c) => !cols.includes(c));
  if (missing.length) throw new ApiError(3, `${file}: missing column(s) ${missing.join(', ')}`);
  const unknown = cols.filter((c) => !known.has(c));
  if (unknown.length) throw new ApiError(3, `${file}: unknown column(s) ${unknown.join(', ')}`);
  const twice = cols.filter((c, i) => cols.indexOf(c) !== i);
  if (twice.length) throw new ApiError(3, `${file}: column(s) named twice: ${[...new Set(twice)].join(', ')}`);
  return cols;
}

async function openCsv(file: string) {
  // Relative to the user's cwd, also when the command runs inside a server.
  const handle = await open(cliPath(file)).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new ApiError(3, `${file}: no such file`) : err;
  });
  const source = handle.createReadStream();
  const rows = parser(source);
  // pipe() does not pass read errors on; without this a read loop would wait forever.
  source.on('error', (err) => rows.destroy(err));
  return { rows: rows as unknown as AsyncIterable<Row>, close: () => source.destroy() };
}

/**
 * Reads the whole file once before anything is written: a file that is not well-formed CSV is
 * refused as a whole (so no row of it lands), as is one with no header or no row after it.
 */
async function precheck(file: string, opts: ImportOptions): Promise<{ line: number; reason: string } | undefined> {
  const csv = await openCsv(file);
  let header: string[] | undefined;
  let lastLine = 0;
  let rows = 0;
  try {
    for await (const { record, info } of csv.rows) {
      if (!header) header = checkHeader(file, record, opts);
      else rows++;
      lastLine = info.lines;
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    return malformed(err, lastLine);
  } finally {
    csv.close();
  }
  if (!header) throw new ApiError(3, `${file}: the file is empty: it needs a header row (${opts.required.join(',')}) and rows`);
  if (rows === 0) throw new ApiError(3, `${file}: only a header row, no rows to import`);
  return undefined;
}

export async function importCsv(file: string, opts: ImportOptions): Promise<ImportSummary> {
  const summary: ImportSummary = { file, rows: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, errors: [] };
  const broken = await precheck(file, opts);
  if (broken) {
    summary.errors.push(broken);
    opts.progress?.(`line ${broken.line}: ${broken.reason}; nothing was imported`);
    return summary;
  }
  const csv = await openCsv(file);
  const every = opts.progressEvery ?? 10_000;
  let header: string[] | undefined;
  const started = Date.now();
  const reject = (line: number, err: unknown) => {
    summary.rejected++;
    summary.errors.push({ line, reason: err instanceof ApiError ? err.message : String((err as Error).message ?? err) });
    opts.progress?.(`line ${line}: rejected: ${summary.errors[summary.errors.length - 1].reason}`);
  };
  let batch: { row: Record<string, string>; line: number }[] = [];
  const flush = async () => {
    if (!opts.applyBatch || batch.length === 0) return;
    const rows = batch;
    batch = [];
    const results = await opts.applyBatch(rows);
    rows.forEach(({ line }, i) => {
      const r = results[i];
      if (r instanceof Error) reject(line, r);
      else summary[r]++;
    });
  };
  const write = async () => {
    try {
      for await (const { record: cells, info } of csv.rows) {
        if (!header) {
          header = checkHeader(file, cells, opts);
          continue;
        }
        summary.rows++;
        const line = info.lines;
        if (cells.length > header.length) {
          reject(line, new ApiError(3, `${cells.length} cells, but the header names ${header.length} columns`));
        } else {
          // A short row leaves its last columns out (as if the file had not those columns).
          const record: Record<string, string> = Object.fromEntries(cells.map((v, i) => [header?.[i] as string, v]));
          if (opts.applyBatch) {
            batch.push({ row: record, line });
            if (batch.length >= (opts.batchSize ?? 500)) await flush();
          } else {
            try {
              summary[await opts.apply(record, line)]++;
            } catch (err) {
              reject(line, err);
            }
          }
        }
        if (summary.rows % every === 0) {
          const secs = (Date.now() - started) / 1000;
          opts.progress?.(`${summary.rows} rows (${Math.round(summary.rows / secs)} rows/s)`);
        }
      }
      await flush();
    } finally {
      csv.close(); // closes the file, also when a bad header stops the import
    }
  };
  try {
    await (opts.session ? opts.session(write) : write());
  } catch (err) {
    if (!(err instanceof FileRefused)) throw err;
    // The session rolled every row back: only the refusal is left to report.
    Object.assign(summary, { created: 0, updated: 0, unchanged: 0, rejected: 0, errors: err.errors });
    for (const e of err.errors) opts.progress?.(`line ${e.line}: ${e.reason}`);
    opts.progress?.('the file was refused; nothing was imported');
  } finally {
    csv.close(); // also when the session failed before reading
  }
  return summary;
}
