// Where the first text PostgreSQL cannot store sits in a body (src/http/validation.ts), as the
// JSON pointer the 400 names: in values, keys, arrays and nested objects, with ~ and / escaped.
import { describe, expect, it } from 'vitest';
import { unstorablePointer } from '../../src/http/validation.ts';

describe('unstorablePointer', () => {
  it('names the value or key that holds a NUL or a lone surrogate, and nothing in storable bodies', () => {
    expect(unstorablePointer({ a: 'fine', b: ['x', { c: 'ok 😀' }] })).toBeUndefined();
    expect(unstorablePointer('a\u0000b')).toBe('');
    expect(unstorablePointer({ a: 'x\u0000' })).toBe('/a');
    expect(unstorablePointer({ a: { b: ['ok', 'lone \ud800'] } })).toBe('/a/b/1');
    expect(unstorablePointer({ 'a/b': { 'c~d': ['\udc00'] } })).toBe('/a~1b/c~0d/0');
    expect(unstorablePointer({ list: [{ ['k\u0000']: 1 }] })).toBe('/list/0/k\u0000');
    // A paired surrogate (an emoji) is storable; its halves apart are not.
    expect(unstorablePointer({ e: '\ud83d\ude00' })).toBeUndefined();
    expect(unstorablePointer({ e: '\ude00\ud83d' })).toBe('/e');
  });
});
