// Bounded zstd decompression for c1z files. fzstd (pure JS, no native build, ~15 MB/s..90 MB/s
// here) inflates one block (≤128 KiB) at a time, so the size limit stops a zip bomb after at
// most one block past the limit rather than after inflating it whole. fzstd does not verify the
// frames' content checksums (baton's writer sets them), so this file walks the frame headers
// itself and checks each frame's XXH64 with xxhash-wasm: a flipped bit is refused as corrupt
// instead of reaching SQLite as a silently different database.
import { Decompress } from 'fzstd';
import xxhash from 'xxhash-wasm';
import { C1zError } from './errors.ts';

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

type Frame = { start: number; end: number; checksumAt: number | undefined };

const corrupt = (why: string, cause?: unknown) =>
  new C1zError('corrupt', `the c1z file's zstd stream is corrupt or truncated (${why})`, { cause });

const u32le = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;

/** The zstd frames in `bytes` (skippable frames left out), found by walking headers and block headers. */
export function zstdFrames(bytes: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.length) throw corrupt('truncated');
  };
  if (bytes.length === 0) throw corrupt('empty');
  while (at < bytes.length) {
    need(4);
    const magic = u32le(bytes, at);
    if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(8);
      const size = u32le(bytes, at + 4);
      at += 8;
      need(size);
      at += size;
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw corrupt(`bad frame magic at byte ${at}`);
    const start = at;
    at += 4;
    need(1);
    const fhd = bytes[at++];
    if (fhd & 0x08) throw corrupt('reserved header bit set');
    const singleSegment = (fhd >> 5) & 1;
    const fcsFlag = fhd >> 6;
    const hasChecksum = (fhd >> 2) & 1;
    const dictBytes = [0, 1, 2, 4][fhd & 3];
    const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag];
    at += (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
    for (let last = 0; !last; ) {
      need(3);
      const header = bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16);
      at += 3;
      last = header & 1;
      const type = (header >> 1) & 3;
      if (type === 3) throw corrupt('reserved block type');
      const size = type === 1 ? 1 : header >>> 3;
      need(size);
      at += size;
    }
    let checksumAt: number | undefined;
    if (hasChecksum) {
      need(4);
      checksumAt = at;
      at += 4;
    }
    frames.push({ start, end: at, checksumAt });
  }
  if (frames.length === 0) throw corrupt('no zstd frame');
  return frames;
}

let hasher: Promise<Awaited<ReturnType<typeof xxhash>>> | undefined;

/**
 * Inflates a zstd stream, refusing it (nothing returned) when it is malformed, truncated, fails
 * a frame checksum or grows past `maxOut` bytes. Peak memory: the output chunks plus one copy
 * of the output while they are joined.
 */
export async function inflateBounded(bytes: Uint8Array, maxOut: number): Promise<Uint8Array> {
  const frames = zstdFrames(bytes);
  hasher ??= xxhash();
  const { create64 } = await hasher;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (const frame of frames) {
    const hash = frame.checksumAt === undefined ? undefined : create64(0n);
    const decoder = new Decompress((chunk) => {
      total += chunk.length;
      if (total > maxOut) {
        throw new C1zError('decompressed-too-large', `the c1z file inflates past the limit of ${maxOut} bytes`);
      }
      if (chunk.length === 0) return;
      chunks.push(chunk);
      hash?.update(chunk);
    });
    try {
      decoder.push(bytes.subarray(frame.start, frame.end), true);
    } catch (err) {
      if (err instanceof C1zError) throw err;
      throw corrupt(err instanceof Error ? err.message : String(err), err);
    }
    if (hash && frame.checksumAt !== undefined) {
      const want = u32le(bytes, frame.checksumAt);
      const got = Number(hash.digest() & 0xffffffffn);
      if (want !== got) throw corrupt('content checksum mismatch');
    }
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    out.set(chunks[i], at);
    at += chunks[i].length;
  }
  chunks.length = 0;
  return out;
}
