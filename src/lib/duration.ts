// proto3 Durations in JSON: seconds with up to nine decimals and an `s` suffix ("3600s", "1.5s").
import { invalidArgument } from './errors.ts';

/** The longest Duration accepted here: 100 years, so that now + it stays a plain RFC 3339 timestamp. */
export const MAX_DURATION_SECONDS = 100 * 365 * 24 * 3600;

/** "1.5s" → 1500 (milliseconds); a 400 naming `field` unless a positive Duration of at most 100 years. */
export function positiveDurationMs(text: string, field: string): number {
  const m = /^([0-9]{1,12})(?:\.([0-9]{1,9}))?s$/.exec(text.trim());
  const seconds = m ? Number(`${m[1]}.${m[2] ?? '0'}`) : Number.NaN;
  if (!m || !(seconds > 0) || seconds > MAX_DURATION_SECONDS) {
    throw invalidArgument(
      `${field}: "${text}" is not a positive duration of at most ${MAX_DURATION_SECONDS}s, in seconds with an "s" suffix like "3600s" or "1.5s"`,
    );
  }
  return Math.round(seconds * 1000);
}
