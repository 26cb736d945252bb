/** The console's nudge panel arithmetic (console/nudge-days.ts): local days and hours from hourly buckets. Pure. */
import { describe, expect, it } from 'vitest';
import { busyHours, countsByDay, countsByHour, localHour, nudgeWindow, peakHour, ratePercent, total } from '../../console/nudge-days.js';
import type { NudgeStats } from '../../protocol/nudge.js';

const TOKYO = 'Asia/Tokyo';
const H = 3_600_000;
const level = (shown = 0, followed = 0) => ({ shown, followed, followRate: shown ? followed / shown : null });
const bucket = (iso: string, crowded: [number, number], full: [number, number] = [0, 0]): NudgeStats['buckets'][number] => ({
  t: new Date(iso).toISOString(),
  shown: crowded[0] + full[0],
  followed: crowded[1] + full[1],
  byLevel: { vacant: level(), crowded: level(...crowded), full: level(...full) },
});

describe('the nudge window', () => {
  it('is the last N local days, today last, up to the end of the current hour', () => {
    const now = Date.parse('2026-11-26T10:20:00+09:00');
    const w = nudgeWindow(TOKYO, now, 7);
    expect(w.dayStarts).toHaveLength(7);
    expect(new Date(w.dayStarts[0]!).toISOString()).toBe('2026-11-19T15:00:00.000Z'); // 2026-11-20 00:00 JST
    expect(new Date(w.dayStarts[6]!).toISOString()).toBe('2026-11-25T15:00:00.000Z');
    expect(w.fromMs).toBe(w.dayStarts[0]);
    expect(new Date(w.toMs).toISOString()).toBe('2026-11-26T02:00:00.000Z'); // 11:00 JST
  });

  it('keeps local midnights across a DST change (Europe/Berlin, 2026-10-25)', () => {
    const w = nudgeWindow('Europe/Berlin', Date.parse('2026-10-27T12:00:00+01:00'), 4);
    expect(w.dayStarts.map((t) => new Date(t).toISOString())).toEqual(['2026-10-23T22:00:00.000Z', '2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', '2026-10-26T23:00:00.000Z']);
  });
});

describe('hourly buckets folded into local days and hours', () => {
  const w = nudgeWindow(TOKYO, Date.parse('2026-11-26T10:20:00+09:00'), 3);
  const buckets = [
    bucket('2026-11-24T08:00:00+09:00', [5, 1], [2, 0]),
    bucket('2026-11-24T23:00:00+09:00', [1, 0]), // still the 24th in Tokyo, though the 24th UTC day ended at 09:00 JST
    bucket('2026-11-25T00:00:00+09:00', [0, 0], [3, 2]),
    bucket('2026-11-26T08:00:00+09:00', [4, 1]),
    bucket('2026-11-23T23:00:00+09:00', [9, 9]), // before the window: left out of the days
  ];

  it('sums each local day by level', () => {
    const days = countsByDay(buckets, w.dayStarts);
    expect(days.map((d) => [d.crowded.shown, d.crowded.followed, d.full.shown, d.full.followed])).toEqual([
      [6, 1, 2, 0],
      [0, 0, 3, 2],
      [4, 1, 0, 0],
    ]);
    const sum = total(days);
    expect([sum.shown, sum.followed]).toEqual([15, 4]);
    expect(ratePercent(sum.shown, sum.followed)).toBe(27);
    expect(ratePercent(0, 0)).toBeNull();
  });

  it('sums each local hour of day', () => {
    const hours = countsByHour(buckets, TOKYO);
    expect(hours).toHaveLength(24);
    expect(hours[8]!.crowded).toEqual({ shown: 9, followed: 2 });
    expect(hours[23]!.crowded).toEqual({ shown: 10, followed: 9 });
    expect(hours[0]!.full).toEqual({ shown: 3, followed: 2 });
    expect(localHour(TOKYO, Date.parse('2026-11-25T15:30:00Z'))).toBe(0);
  });
});

describe("the lot's busy hours", () => {
  it('is the mean occupancy and the share of 混/満 per local hour over the days that have it', () => {
    const points = [
      { t: '2026-11-24T01:00:00Z', occupied: 80, level: 'crowded' }, // 10:00 JST
      { t: '2026-11-25T01:00:00Z', occupied: 100, level: 'full' },
      { t: '2026-11-25T02:00:00Z', occupied: 30, level: 'vacant' }, // 11:00 JST
    ];
    const busy = busyHours(points, TOKYO, 100);
    expect(busy[10]).toEqual({ meanPercent: 90, busyPercent: 100 });
    expect(busy[11]).toEqual({ meanPercent: 30, busyPercent: 0 });
    expect(busy[12]).toEqual({ meanPercent: null, busyPercent: null });
    expect(peakHour(busy.map((b) => b.meanPercent))).toBe(10);
    expect(peakHour([null, 0, 0])).toBeNull();
    expect(peakHour([1, 3, 3])).toBe(1);
  });
});
