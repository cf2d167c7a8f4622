// The c1z container: a 5-byte header naming the format, then (v1) one zstd stream holding a
// SQLite database. Sizes are checked before anything is read or inflated.
import { open } from 'node:fs/promises';
import { C1zError, V3_HINT } from './errors.ts';
import { inflateBounded } from './zstd.ts';

export type C1zLimits = {
  /** Largest c1z file accepted, in bytes (the caller passes GATEHOUSE_SYNC_MAX_BYTES). Default 2 GiB. */
  maxBytes?: number;
  /** Largest SQLite database the zstd stream may inflate to, in bytes. Default 4 GiB. */
  maxDecompressedBytes?: number;
};

export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 4 * 1024 ** 3;

const HEADER_V1 = 'C1ZF\0';
const HEADER_V3 = 'C1Z3\0';

const tooLarge = (size: number, max: number) =>
  new C1zError('too-large', `the c1z file is ${size} bytes, over the limit of ${max} bytes`);

/** The file's bytes: a path is measured before it is read, so an oversize file is never loaded. */
async function loadBytes(input: Uint8Array | string, maxBytes: number): Promise<Uint8Array> {
  if (typeof input !== 'string') {
    if (input.length > maxBytes) throw tooLarge(input.length, maxBytes);
    return input;
  }
  const handle = await open(input, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw tooLarge(size, maxBytes);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** The SQLite database inside a v1 c1z file; any other format is refused with the reason. */
export async function unpackC1z(input: Uint8Array | string, limits: C1zLimits = {}): Promise<Uint8Array> {
  const bytes = await loadBytes(input, limits.maxBytes ?? DEFAULT_MAX_BYTES);
  const header = new TextDecoder('latin1').decode(bytes.subarray(0, 5));
  if (header === HEADER_V3) throw new C1zError('v3', V3_HINT);
  if (header !== HEADER_V1) {
    throw new C1zError('unknown-format', 'not a c1z file: it does not start with the c1z v1 header C1ZF');
  }
  return inflateBounded(bytes.subarray(5), limits.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
}
