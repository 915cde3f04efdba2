/**
 * The two `time` forms of error envelopes (platform §1.5): the Login Service's documented
 * `MMM d, yyyy h:mm:ss a` on platform routes, ISO-8601 with milliseconds and offset on chat routes.
 */

import { boundedMemo } from '../../core/bounded-memo.js';

/**
 * Formatters by time zone and form. Building an Intl.DateTimeFormat costs far more than using one,
 * and every event rendered needs two; accounts use a handful of zones, so they are kept.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

const formatterOf = (timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat => {
  const key = `${timeZone}\u0000${JSON.stringify(options)}`;
  let formatter = formatters.get(key);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, ...options });
    formatters.set(key, formatter);
  }
  return formatter;
};

const partsOf = (epochMs: number, timeZone: string, options: Intl.DateTimeFormatOptions) => {
  const parts = formatterOf(timeZone, options).formatToParts(new Date(epochMs));
  return (type: Intl.DateTimeFormatPartTypes): string => parts.find((part) => part.type === type)?.value ?? '';
};

/**
 * Offsets by time zone and minute. Every rendered event needs its zone's offset; reading it from
 * Intl takes far longer than the rest of the rendering, and offsets change only on a minute's
 * boundary (zone transitions are whole minutes since the 1970s). A chat's events span many
 * minutes, so more than one minute a zone is kept; the map starts again when it grows large.
 */
const MAX_OFFSETS = 10_000;

/** The offset of `timeZone` at `epochMs`, remembered for the minute. */
const offsetAt = boundedMemo(
  MAX_OFFSETS,
  (epochMs: number, timeZone: string): { text: string; ms: number } => {
    const name = partsOf(epochMs, timeZone, { timeZoneName: 'longOffset' })('timeZoneName');
    const match = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name);
    const [sign, hours, minutes] = match ? [match[1]!, match[2]!, match[3] ?? '00'] : ['+', '00', '00'];
    return {
      text: `${sign}${hours}:${minutes}`,
      ms: (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes)) * 60_000,
    };
  },
  (epochMs, timeZone) => `${timeZone}\u0000${Math.floor(epochMs / 60_000)}`,
);

/** Offset of `timeZone` at `epochMs` as `+hh:mm` (never `Z`: server-chat §1.8 wants `+00:00`). */
export function offsetOf(epochMs: number, timeZone: string): string {
  return offsetAt(epochMs, timeZone).text;
}

/** Offset of `timeZone` at `epochMs` in milliseconds east of GMT. */
export function offsetMs(epochMs: number, timeZone: string): number {
  return offsetAt(epochMs, timeZone).ms;
}

/** `2017-12-06T16:29:45.438-05:00` in `timeZone`. */
export function isoWithOffset(epochMs: number, timeZone = 'UTC'): string {
  const offset = offsetAt(epochMs, timeZone);
  return `${new Date(epochMs + offset.ms).toISOString().slice(0, 23)}${offset.text}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const twoDigits = (value: number) => String(value).padStart(2, '0');

/**
 * `Sep 22, 2016 4:10:15 PM` in `timeZone`: en-US's short month, 12-hour clock, as Intl writes it,
 * built from the zone's offset (kept per minute) instead of asking Intl on every error answered.
 */
export function loginServiceTime(epochMs: number, timeZone = 'UTC'): string {
  const local = new Date(epochMs + offsetAt(epochMs, timeZone).ms);
  const hours = local.getUTCHours();
  return (
    `${MONTHS[local.getUTCMonth()]} ${local.getUTCDate()}, ${local.getUTCFullYear()} ` +
    `${hours % 12 === 0 ? 12 : hours % 12}:${twoDigits(local.getUTCMinutes())}:${twoDigits(local.getUTCSeconds())} ` +
    `${hours < 12 ? 'AM' : 'PM'}`
  );
}
