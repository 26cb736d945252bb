import { describe, expect, it } from 'vitest';
import { arrivalPoint, SUGGEST_WHEN, suggestsBus } from '../../widgets/arrival.js';
import { LotStatus, SuggestLevel } from '../../protocol/index.js';

const point = (inMin: number, level: 'vacant' | 'crowded' | 'full') => ({
  inMin, at: '2026-11-25T01:30:00.000Z', occupied: 50, available: 50, level, low: 40, high: 60,
});
const status = (forecast?: unknown) =>
  LotStatus.parse({
    lotId: 'lot-a', name: { ja: 'A', en: 'A' }, capacity: 100, occupied: 10, available: 90, occupancy: 0.1, level: 'vacant', label: '空',
    observedAt: '2026-11-25T01:00:00.000Z', stale: false, ...(forecast ? { forecast } : {}),
  });

describe("the widget's arrival line and bus suggestion", () => {
  it('picks the forecast point for the arrival time, and none when the status carries no such point', () => {
    const s = status({ issuedAt: '2026-11-25T01:00:00.000Z', points: [point(30, 'crowded'), point(60, 'full')] });
    expect(arrivalPoint(s, 30)?.level).toBe('crowded');
    expect(arrivalPoint(s, 60)?.level).toBe('full');
    expect(arrivalPoint(s, 45)).toBeNull();
    expect(arrivalPoint(status(), 30)).toBeNull();
    expect(arrivalPoint(null, 30)).toBeNull();
  });

  it('suggests the bus when the level now or at arrival is 混 or 満', () => {
    expect(suggestsBus('vacant', null)).toBe(false);
    expect(suggestsBus('vacant', 'vacant')).toBe(false);
    expect(suggestsBus('vacant', 'crowded')).toBe(true);
    expect(suggestsBus('vacant', 'full')).toBe(true);
    expect(suggestsBus('crowded', null)).toBe(true);
    expect(suggestsBus('full', 'vacant')).toBe(true);
  });

  it('never suggests it from a forecast while the lot is unknown (a stale count)', () => {
    expect(suggestsBus('unknown', 'full')).toBe(false);
  });

  it('follows a lot that suggests it only at 満', () => {
    const when = { now: ['full'] as const, arrival: ['full'] as const };
    expect(suggestsBus('crowded', 'crowded', when)).toBe(false);
    expect(suggestsBus('crowded', 'full', when)).toBe(true);
  });

  // Truth tables written out by hand: rows the level now, columns the level at arrival (none, 空, 混, 満).
  it('follows each lot\'s rule over every level now and at arrival', () => {
    const arrivals = [null, 'vacant', 'crowded', 'full'] as const;
    const tables = [
      {
        when: { now: ['full'], arrival: ['crowded'] },
        rows: { vacant: '..x.', crowded: '..x.', full: 'xxxx', unknown: '....' },
      },
      {
        when: { now: [], arrival: ['full'] },
        rows: { vacant: '...x', crowded: '...x', full: '...x', unknown: '....' },
      },
      {
        when: { now: ['crowded', 'full'], arrival: ['crowded', 'full'] }, // the default
        rows: { vacant: '..xx', crowded: 'xxxx', full: 'xxxx', unknown: '....' },
      },
    ] as const;
    for (const { when, rows } of tables) {
      for (const [now, row] of Object.entries(rows) as Array<[keyof typeof rows, string]>) {
        arrivals.forEach((arrival, i) => {
          expect(suggestsBus(now, arrival, when), `${JSON.stringify(when)} now=${now} arrival=${arrival}`).toBe(row[i] === 'x');
        });
      }
    }
    expect(SUGGEST_WHEN).toEqual(tables[2].when);
  });

  // The widget asks for a lot's settings only when the default rule suggests (manku-status.ts): that
  // must be the widest rule any lot may set, or a lot's rule could be due with its settings never asked for.
  it('the default rule names every level a lot may suggest at, now and at arrival', () => {
    expect([...SUGGEST_WHEN.now].sort()).toEqual([...SuggestLevel.options].sort());
    expect([...SUGGEST_WHEN.arrival].sort()).toEqual([...SuggestLevel.options].sort());
  });
});
