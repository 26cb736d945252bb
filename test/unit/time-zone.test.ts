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

  it('gives the exact offset every minute across DST changes, whatever order it is asked in', () => {
    // Europe/London changes at 01:00 UTC; Adelaide (+10:30/+9:30) and Lord Howe (a 30-min DST)
    // at half past a UTC hour, inside an hour the cache would otherwise treat as one.
    const changes = [
      ['Europe/London', '2026-03-29T01:00:00Z'],
      ['Europe/London', '2026-10-25T01:00:00Z'],
      ['America/New_York', '2026-11-01T06:00:00Z'],
      ['Australia/Adelaide', '2026-04-04T16:30:00Z'],
      ['Australia/Adelaide', '2026-10-03T16:30:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
      ['America/St_Johns', '2026-03-08T05:30:00Z'],
    ] as const;
    for (const [zone, at] of changes) {
      const change = Date.parse(at);
      expect(offsetOracle(zone, change - 60_000)).not.toBe(offsetOracle(zone, change + 60_000)); // a change is there
      const minutes = Array.from({ length: 121 }, (_, i) => change + (i - 60) * 60_000);
      for (const t of [...minutes, ...minutes.reverse()]) for (const s of [0, 59_999]) expect(zoneOffsetMs(zone, t + s), `${zone} ${new Date(t + s).toISOString()}`).toBe(offsetOracle(zone, t + s));
    }
  });

  it('gives the exact offset at random instants in every zone the runtime knows', () => {
    let seed = 9;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      for (let i = 0; i < 10; i++) {
        const t = Math.floor(Date.parse('1990-01-01T00:00:00Z') + random() * 60 * 365 * 86_400_000);
        expect(zoneOffsetMs(zone, t), `${zone} ${new Date(t).toISOString()}`).toBe(offsetOracle(zone, t));
      }
    }
  });

  it('the lots file refuses a zone that is not IANA', () => {
    const lot = { id: 'a', name: { ja: 'a', en: 'a' }, capacity: 1, sensors: [{ id: 'g', passwordHash: FIXTURE_HASH }] };
    expect(LotConfig.safeParse({ ...lot, timeZone: 'Asia/Tokio' }).success).toBe(false);
    expect(LotConfig.parse({ ...lot, timeZone: 'Europe/Berlin' }).timeZone).toBe('Europe/Berlin');
  });
});

/** The offset as the formatter tells it, asked afresh each time (what zoneOffsetMs caches). */
const oracles = new Map<string, Intl.DateTimeFormat>();
function offsetOracle(zone: string, atMs: number): number {
  if (!oracles.has(zone)) oracles.set(zone, new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }));
  const n = Object.fromEntries(oracles.get(zone)!.formatToParts(new Date(atMs)).map((p) => [p.type, Number(p.value)]));
  return Date.UTC(n.year!, n.month! - 1, n.day!, n.hour!, n.minute!, n.second!) - Math.floor(atMs / 1000) * 1000;
}
