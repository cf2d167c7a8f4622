// Gatehouse's own base62 encoding of KSUIDs must give exactly the ksuid package's strings, and
// newId() must stay time-ordered within a second.
import fc from 'fast-check';
import KSUID from 'ksuid';
import { describe, expect, it } from 'vitest';
import { ksuidString, newId } from '../../src/db/ids.ts';

describe('KSUIDs', () => {
  it('encodes every timestamp and payload as the ksuid package does', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (timestamp, payload) => {
        const reference = KSUID.fromParts(timestamp * 1000 + 14e11, Buffer.from(payload)).string;
        expect(ksuidString(timestamp, payload)).toBe(reference);
      }),
      { numRuns: 2000 },
    );
    // The extremes: all zero bits and all one bits.
    expect(ksuidString(0, new Uint8Array(16))).toBe('000000000000000000000000000');
    expect(ksuidString(0xffffffff, new Uint8Array(16).fill(255))).toBe('aWgEPTl1tmebfsQzFP4bxwgy80V');
  });

  it('makes ids that parse as KSUIDs of now and sort in creation order', () => {
    const ids = Array.from({ length: 5000 }, () => newId());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const at = KSUID.parse(ids[0]).date.getTime();
    expect(Math.abs(at - Date.now())).toBeLessThan(5000);
  });
});
