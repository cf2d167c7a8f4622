// Why a c1z file was refused. The reason is a stable code callers and tests match on; the
// message says what to do. It is an ApiError (400) because the file is the caller's input.
import { ApiError, Code } from '../../../lib/errors.ts';

export type C1zRefusal =
  | 'v3' // Pebble storage (C1Z3): not readable here
  | 'unknown-format' // neither C1ZF nor C1Z3
  | 'too-large' // the file is over maxBytes
  | 'decompressed-too-large' // the zstd stream inflates past maxDecompressedBytes
  | 'corrupt' // the zstd stream is truncated, malformed or fails its checksum
  | 'not-sqlite' // the inflated bytes are no SQLite database, or lack the baton tables
  | 'no-sync' // no full sync, finished or not, in v1_sync_runs
  | 'bad-protobuf'; // a data column does not decode as its message

export class C1zError extends ApiError {
  readonly reason: C1zRefusal;
  constructor(reason: C1zRefusal, message: string, options?: { cause?: unknown }) {
    super(Code.INVALID_ARGUMENT, message);
    this.reason = reason;
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

export const V3_HINT =
  'c1z v3 (Pebble) files are not supported: run the connector with --storage-engine sqlite (BATON_STORAGE_ENGINE=sqlite)';
