import { describe, expect, it } from 'vitest';
import { createLocalClock, evaluate, freshestPhase, METHOD_NAMES, type EvaluatedPair, type LotSeries } from '../../core/index.js';
import { occupancyWeeks } from '../../testkit/occupancy-weeks.js';

const lot = (name: string, seed: number, capacity = 300): LotSeries => ({
  lot: name,
  samples: occupancyWeeks({ timeZone: 'Asia/Tokyo', holidays: 'JP', from: '2026-09-01', days: 35, stepMin: 30, capacity, seed }).map((s) => ({ ...s, capacity })),
});
const OPTIONS = { timeZone: 'Asia/Tokyo', holidays: 'JP' as const, testDays: 3, horizonsMin: [30, 60], stepMin: 30 };

function pairsOf(series: LotSeries[]) {
  const pairs: EvaluatedPair[] = [];
  const result = evaluate(series, { ...OPTIONS, onPair: (p) => pairs.push(p) });
  return { result, pairs };
}

describe('forecast evaluation', () => {
  it('every method on the same pairs, in the shape of --json', () => {
    const { result, pairs } = pairsOf([lot('a', 1)]);
    expect(result.results.map((r) => `${r.method}/${r.horizonMin}`)).toEqual(METHOD_NAMES.flatMap((m) => [`${m}/30`, `${m}/60`]));
    const n30 = result.results.filter((r) => r.horizonMin === 30).map((r) => r.n);
    expect(new Set(n30).size).toBe(1);
    expect(n30[0]).toBe(pairs.filter((p) => p.horizonMin === 30).length);
    expect(n30[0]).toBeGreaterThan(3 * 40); // 3 test days of 48 issue times, less the last ones
    const manku = result.results.find((r) => r.method === 'manku' && r.horizonMin === 60)!;
    const persistence = result.results.find((r) => r.method === 'persistence' && r.horizonMin === 60)!;
    expect(manku.maePct).toBeLessThan(persistence.maePct);
  });

  it('no leakage: changing the data after an issue time changes none of the forecasts issued before it', () => {
    const original = lot('a', 1);
    const cut = original.samples.at(-1)!.timeMs - 36 * 3_600_000; // within the test days
    const altered: LotSeries = { ...original, samples: original.samples.map((s) => (s.timeMs > cut ? { ...s, occupied: 300 - s.occupied } : s)) };
    const before = (pairs: EvaluatedPair[]) => pairs.filter((p) => p.issuedAtMs <= cut).map((p) => [p.issuedAtMs, p.horizonMin, p.predictedPct]);
    const a = pairsOf([original]).pairs;
    const b = pairsOf([altered]).pairs;
    expect(before(a).length).toBeGreaterThan(50);
    expect(before(b)).toEqual(before(a));
    // ...and the change is seen after it (the test can fail).
    expect(b.filter((p) => p.issuedAtMs > cut).map((p) => p.predictedPct)).not.toEqual(a.filter((p) => p.issuedAtMs > cut).map((p) => p.predictedPct));
  });

  it('forecasts never leak across lots', () => {
    const alone = pairsOf([lot('a', 1)]).pairs;
    const together = pairsOf([lot('a', 1), lot('b', 2, 50)]).pairs;
    expect(together.filter((p) => p.lot === 'a')).toEqual(alone);
    expect(together.some((p) => p.lot === 'b')).toBe(true);
  });

  it('puts the grid just after readings that come with jitter', () => {
    // Readings at :57–:03 and :27–:33: a grid at :00/:30 would miss the late ones.
    const samples = Array.from({ length: 200 }, (_, i) => ({ timeMs: i * 1_800_000 + (((i * 5) % 7) - 3) * 60_000, occupied: 1 }));
    expect(freshestPhase([samples], 1_800_000)).toBe(3 * 60_000);
  });
});

describe('local clock', () => {
  it('follows Europe/London across both changes and Asia/Tokyo without any', () => {
    const london = createLocalClock('Europe/London');
    expect(london.localMs(Date.parse('2026-03-29T00:59:00Z'))).toBe(Date.parse('2026-03-29T00:59:00Z'));
    expect(london.localMs(Date.parse('2026-03-29T01:00:00Z'))).toBe(Date.parse('2026-03-29T02:00:00Z'));
    expect(london.localMs(Date.parse('2026-10-25T00:59:00Z'))).toBe(Date.parse('2026-10-25T01:59:00Z'));
    expect(london.localMs(Date.parse('2026-10-25T01:00:00Z'))).toBe(Date.parse('2026-10-25T01:00:00Z'));
    expect(london.utcMs(Date.parse('2026-07-01T08:00:00Z'))).toBe(Date.parse('2026-07-01T07:00:00Z'));
    expect(london.utcMs(Date.parse('2026-11-01T08:00:00Z'))).toBe(Date.parse('2026-11-01T08:00:00Z'));
    const tokyo = createLocalClock('Asia/Tokyo');
    expect(tokyo.localMs(Date.parse('2026-11-26T00:00:00Z'))).toBe(Date.parse('2026-11-26T09:00:00Z'));
    expect(tokyo.utcMs(Date.parse('2026-11-26T09:00:00Z'))).toBe(Date.parse('2026-11-26T00:00:00Z'));
  });
});
