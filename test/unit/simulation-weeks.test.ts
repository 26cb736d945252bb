import { describe, expect, it } from 'vitest';
import { createWeeks, truthAt } from '../../firmware-sim/index.js';

const tokyo = (o: { weeks?: number; seed?: number; holidays?: 'JP' | 'none'; from?: string } = {}) =>
  createWeeks({ weeks: o.weeks ?? 2, seed: o.seed ?? 1, timeZone: 'Asia/Tokyo', holidays: o.holidays ?? 'JP', from: o.from ?? '2026-09-14', capacity: 100, gates: 1 });

describe('simulator weeks', () => {
  it('are deterministic for a seed and differ across seeds', () => {
    expect(tokyo().passes).toEqual(tokyo().passes);
    expect(tokyo({ seed: 2 }).passes).not.toEqual(tokyo().passes);
  });

  it('play Japanese holidays as weekend days for a lot that keeps them, as weekdays otherwise', () => {
    const jp = tokyo();
    const kinds = Object.fromEntries(jp.days.map((d) => [d.date, `${d.kind}${d.holiday ? ' (holiday)' : ''}`]));
    expect(kinds['2026-09-18']).toBe('weekday'); // a Friday
    expect(kinds['2026-09-19']).toBe('weekend');
    expect(kinds['2026-09-21']).toBe('weekend (holiday)'); // 敬老の日
    expect(kinds['2026-09-22']).toBe('weekend (holiday)'); // 国民の休日
    expect(kinds['2026-09-23']).toBe('weekend (holiday)'); // 秋分の日
    expect(kinds['2026-09-24']).toBe('weekday');
    expect(tokyo({ holidays: 'none' }).days.find((d) => d.date === '2026-09-21')).toMatchObject({ kind: 'weekday', holiday: false });
  });

  it('start each day at local midnight, also across a DST change (Europe/London, 2026-10-25 has 25 hours)', () => {
    expect(tokyo().days[0]!.startMs).toBe(Date.parse('2026-09-14T00:00:00+09:00'));
    const london = createWeeks({ weeks: 1, seed: 1, timeZone: 'Europe/London', holidays: 'none', from: '2026-10-21', capacity: 100, gates: 1 });
    const starts = london.days.map((d) => d.startMs);
    expect(new Date(starts[0]!).toISOString()).toBe('2026-10-20T23:00:00.000Z'); // BST
    expect(new Date(starts[5]!).toISOString()).toBe('2026-10-26T00:00:00.000Z'); // GMT
    expect(starts[5]! - starts[4]!).toBe(25 * 3_600_000);
  });

  it('one timeline: the count never leaves 0..capacity, cars stay over midnight, weekdays are busier than weekends', () => {
    const w = tokyo({ weeks: 3 });
    for (const p of w.truth) {
      expect(p.occupied).toBeGreaterThanOrEqual(0);
      expect(p.occupied).toBeLessThanOrEqual(100);
    }
    expect(w.days.slice(1).some((d) => truthAt(w, d.startMs) > 0)).toBe(true);
    const peak = (kind: string) => Math.max(...w.days.filter((d) => d.kind === kind).map((d) => truthAt(w, d.startMs + 11 * 3_600_000)));
    expect(peak('weekday')).toBeGreaterThan(80);
    expect(peak('weekend')).toBeLessThan(60);
    // demand varies from day to day
    const demand = w.days.map((d) => d.demand);
    expect(Math.min(...demand)).toBeGreaterThanOrEqual(0.9);
    expect(Math.max(...demand)).toBeLessThanOrEqual(1.1);
    expect(Math.max(...demand) - Math.min(...demand)).toBeGreaterThan(0.1);
  });

  it('rejects a bad start date or number of weeks', () => {
    expect(() => tokyo({ from: '2026/09/14' })).toThrow(/from must be YYYY-MM-DD/);
    expect(() => tokyo({ weeks: 0 })).toThrow(/weeks must be a whole number/);
  });
});
