// Shared runner for flat-file (CSV) imports: streams rows, applies each in its
// own transaction (a rejected row writes nothing), reports line numbers, shows
// progress on large files and ends with a summary.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { ApiError } from '../http/errors.ts';

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
};

export async function importCsv(file: string, opts: ImportOptions): Promise<ImportSummary> {
  const summary: ImportSummary = { file, rows: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, errors: [] };
  const parser = createReadStream(file).pipe(
    parse({
      columns: (header: string[]) => header.map((h) => h.trim()),
      info: true,
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: true,
    }),
  );
  const known = new Set([...opts.required, ...opts.optional]);
  const every = opts.progressEvery ?? 10_000;
  let checkedHeader = false;
  const started = Date.now();
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
    try {
      summary[await opts.apply(record, line)]++;
    } catch (err) {
      summary.rejected++;
      summary.errors.push({ line, reason: err instanceof ApiError ? err.message : String((err as Error).message ?? err) });
      opts.progress?.(`line ${line}: rejected: ${summary.errors[summary.errors.length - 1].reason}`);
    }
    if (summary.rows % every === 0) {
      const secs = (Date.now() - started) / 1000;
      opts.progress?.(`${summary.rows} rows (${Math.round(summary.rows / secs)} rows/s)`);
    }
  }
  return summary;
}
