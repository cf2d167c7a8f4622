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
};

export async function importCsv(file: string, opts: ImportOptions): Promise<ImportSummary> {
  const summary: ImportSummary = { file, rows: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, errors: [] };
  // Relative to the user's cwd, also when the command runs inside a server.
  const handle = await open(cliPath(file)).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new ApiError(3, `${file}: no such file`) : err;
  });
  const source = handle.createReadStream();
  const parser = source.pipe(
    parse({
      columns: (header: string[]) => header.map((h) => h.trim()),
      info: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: true,
    }),
  );
  // pipe() does not pass read errors on; without this the loop below would wait forever.
  source.on('error', (err) => parser.destroy(err));
  const known = new Set([...opts.required, ...opts.optional]);
  const every = opts.progressEvery ?? 10_000;
  let checkedHeader = false;
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
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      if (!checkedHeader) {
        const cols = Object.keys(record);
        const missing = opts.required.filter((c) => !cols.includes(c));
        if (missing.length) throw new ApiError(3, `${file}: missing column(s) ${missing.join(', ')}`);
        const unknown = cols.filter((c) => !known.has(c));
        if (unknown.length) throw new ApiError(3, `${file}: unknown column(s) ${unknown.join(', ')}`);
        checkedHeader = true;
      }
      summary.rows++;
      const line = info.lines;
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
      if (summary.rows % every === 0) {
        const secs = (Date.now() - started) / 1000;
        opts.progress?.(`${summary.rows} rows (${Math.round(summary.rows / secs)} rows/s)`);
      }
    }
    await flush();
  } finally {
    source.destroy(); // closes the file, also when a bad header stops the import
  }
  return summary;
}
