import { randomBytes } from 'node:crypto';
import KSUID from 'ksuid';

// KSUIDs order by second; within one second this process increments the random
// payload, so ids it makes sort in creation order (lists are ordered by id).
let lastSecond = -1;
let lastPayload = Buffer.alloc(16);

/** A new KSUID: 27 base62 characters, time-ordered. */
export function newId(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second > lastSecond) {
    lastSecond = second;
    lastPayload = randomBytes(16);
    // Leave headroom so increments within the second never overflow.
    lastPayload[0] &= 0x7f;
  } else {
    for (let i = 15; i >= 0; i--) {
      lastPayload[i] = (lastPayload[i] + 1) & 0xff;
      if (lastPayload[i] !== 0) break;
    }
  }
  return KSUID.fromParts(lastSecond * 1000, Buffer.from(lastPayload)).string;
}
