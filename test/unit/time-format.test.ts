import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isoWithOffset, loginServiceTime, offsetMs, offsetOf } from '../../src/http/legacy/time-format.js';

describe('times in an account’s zone', () => {
  it('writes ISO-8601 with milliseconds and the zone’s offset, never Z', () => {
    const at = Date.UTC(2017, 11, 6, 21, 29, 45, 438);
    assert.equal(isoWithOffset(at), '2017-12-06T21:29:45.438+00:00');
    assert.equal(isoWithOffset(at, 'America/New_York'), '2017-12-06T16:29:45.438-05:00');
    assert.equal(isoWithOffset(at, 'Asia/Kolkata'), '2017-12-07T02:59:45.438+05:30');
    assert.equal(isoWithOffset(at, 'Asia/Kathmandu'), '2017-12-07T03:14:45.438+05:45');
    assert.equal(offsetMs(at, 'Asia/Kolkata'), 5.5 * 3_600_000);
    assert.equal(offsetMs(at, 'America/St_Johns'), -3.5 * 3_600_000);
  });

  it('follows a daylight-saving change to the millisecond, whichever zones were asked in between', () => {
    // New York went from -05:00 to -04:00 at 07:00 UTC on 8 March 2026.
    const change = Date.UTC(2026, 2, 8, 7, 0, 0, 0);
    assert.equal(isoWithOffset(change - 1, 'America/New_York'), '2026-03-08T01:59:59.999-05:00');
    assert.equal(offsetOf(change - 1, 'Europe/Berlin'), '+01:00');
    assert.equal(isoWithOffset(change, 'America/New_York'), '2026-03-08T03:00:00.000-04:00');
    assert.equal(isoWithOffset(change - 1, 'America/New_York'), '2026-03-08T01:59:59.999-05:00');
    assert.equal(offsetOf(Date.UTC(2026, 6, 1), 'Europe/Berlin'), '+02:00');
    assert.equal(offsetOf(Date.UTC(2026, 6, 1), 'UTC'), '+00:00');
  });

  it('writes the Login Service’s form in the zone', () => {
    const at = Date.UTC(2016, 8, 22, 20, 10, 15);
    assert.equal(loginServiceTime(at), 'Sep 22, 2016 8:10:15 PM');
    assert.equal(loginServiceTime(at, 'America/New_York'), 'Sep 22, 2016 4:10:15 PM');
  });

  it('writes the Login Service’s form as Intl’s en-US does, midnight and noon included', () => {
    const intl = (epochMs: number, timeZone: string) => {
      const parts = new Intl.DateTimeFormat('en-US', {
        timeZone,
        month: 'short',
        day: 'numeric',
        year: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
        second: '2-digit',
        hour12: true,
      }).formatToParts(new Date(epochMs));
      const part = (type: string) => parts.find((found) => found.type === type)?.value ?? '';
      return `${part('month')} ${part('day')}, ${part('year')} ${part('hour')}:${part('minute')}:${part('second')} ${part('dayPeriod')}`;
    };
    const instants = [
      Date.UTC(2026, 0, 1, 0, 0, 0),
      Date.UTC(2026, 5, 30, 12, 0, 5),
      Date.UTC(2026, 11, 31, 23, 59, 59),
    ];
    for (let hour = 0; hour < 48; hour += 1) instants.push(Date.UTC(2026, 2, 7, hour, 7, 9));
    for (const at of instants) {
      for (const zone of ['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham']) {
        assert.equal(loginServiceTime(at, zone), intl(at, zone), `${new Date(at).toISOString()} in ${zone}`);
      }
    }
  });
});
