import { describe, expect, it } from 'vitest';
import { LotConfig } from '../../core/index.js';
import { FIXTURE_HASH } from '../support/fixtures.js';
import { startOfDayIn, zoneOffsetMs } from '../../protocol/index.js';

describe("a lot's time zone", () => {
  it('finds local midnight in the zone', () => {
    const at = Date.parse('2026-11-26T01:30:00+09:00');
    expect(zoneOffsetMs('Asia/Tokyo', at)).toBe(9 * 3_600_000);
    expect(startOfDayIn('Asia/Tokyo', at)).toBe(Date.parse('2026-11-26T00:00:00+09:00'));
    expect(startOfDayIn('UTC', at)).toBe(Date.parse('2026-11-25T00:00:00Z'));
    expect(startOfDayIn('Europe/London', Date.parse('2026-07-01T00:30:00+01:00'))).toBe(Date.parse('2026-07-01T00:00:00+01:00'));
    expect(startOfDayIn('America/New_York', Date.parse('2026-03-08T12:00:00-04:00'))).toBe(Date.parse('2026-03-08T00:00:00-05:00')); // DST began at 02:00
  });

  it('the lots file refuses a zone that is not IANA', () => {
    const lot = { id: 'a', name: { ja: 'a', en: 'a' }, capacity: 1, sensors: [{ id: 'g', passwordHash: FIXTURE_HASH }] };
    expect(LotConfig.safeParse({ ...lot, timeZone: 'Asia/Tokio' }).success).toBe(false);
    expect(LotConfig.parse({ ...lot, timeZone: 'Europe/Berlin' }).timeZone).toBe('Europe/Berlin');
  });
});
