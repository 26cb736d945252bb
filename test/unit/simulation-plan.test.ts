import { describe, expect, it } from 'vitest';
import { applyReading, type SensorState } from '../../core/index.js';
import { createScenario, planDeliveries, promisedCount, truthAt, unavoidableLoss, type Delivery } from '../../firmware-sim/index.js';
import { CounterMessage } from '../../protocol/index.js';

const startMs = Date.parse('2026-11-24T00:00:00+09:00');
const endMs = startMs + 86_400_000;
const weekday = (seed = 7) => createScenario({ name: 'weekday', seed, startMs });

/** What the counting rules make of the deliveries, in order (the engine, no I/O). */
function engineCount(deliveries: readonly Delivery[]): number {
  const states = new Map<number, SensorState | undefined>();
  let total = 0;
  for (const d of deliveries) {
    const parsed = CounterMessage.safeParse((() => { try { return JSON.parse(d.payload); } catch { return null; } })());
    if (!parsed.success) continue;
    const r = applyReading(states.get(d.gate), parsed.data, d.atMs);
    states.set(d.gate, r.state);
    total += r.outcome.delta;
  }
  return total;
}

describe('scenarios', () => {
  it('are deterministic for a seed and differ across seeds', () => {
    expect(weekday(7)).toEqual(weekday(7));
    expect(weekday(7).passes).not.toEqual(weekday(8).passes);
    expect(planDeliveries(weekday(), { dropRate: 0.05, duplicateRate: 0.05, reorderWindowMs: 5000 }, { seed: 3 })).toEqual(
      planDeliveries(weekday(), { dropRate: 0.05, duplicateRate: 0.05, reorderWindowMs: 5000 }, { seed: 3 }),
    );
  });

  it('a hospital weekday is near full late morning and quiet at night; a weekend is lighter; snow fills up', () => {
    const s = weekday();
    expect(truthAt(s, startMs + 3 * 3_600_000)).toBe(0);
    expect(truthAt(s, startMs + 10.5 * 3_600_000)).toBeGreaterThanOrEqual(180);
    const weekend = createScenario({ name: 'weekend', seed: 7, startMs });
    expect(Math.max(...weekend.truth.map((t) => t.occupied))).toBeLessThan(150);
    expect(createScenario({ name: 'snow', seed: 7, startMs }).turnedAway).toBeGreaterThan(s.turnedAway);
    for (const t of s.truth) expect(t.occupied).toBeGreaterThanOrEqual(0);
    for (const t of s.truth) expect(t.occupied).toBeLessThanOrEqual(200);
  });

  it('every delivered reading is a valid counter message; gates send a heartbeat at least every 60 s', () => {
    const { deliveries } = planDeliveries(weekday());
    for (const d of deliveries) expect(CounterMessage.safeParse(JSON.parse(d.payload)).success).toBe(true);
    for (const gate of [0, 1]) {
      const times = deliveries.filter((d) => d.gate === gate).map((d) => d.atMs);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(60_000);
    }
  });
});

describe('faults and the promised count', () => {
  const finalTruth = (s = weekday()) => truthAt(s, endMs);

  it.each([
    ['no faults', {}],
    ['5 % drops', { dropRate: 0.05 }],
    ['5 % duplicates', { duplicateRate: 0.05 }],
    ['reordering within 20 s', { reorderWindowMs: 20_000 }],
    ['a gate offline for 20 minutes', { offline: [{ gate: 1, fromMs: startMs + 9 * 3_600_000, toMs: startMs + 9 * 3_600_000 + 1_200_000 }] }],
    ['clock skew', { clockSkewMs: [600_000, -3_600_000] }],
    ['malformed payloads', { malformedRate: 0.02 }],
  ])('%s alone loses nothing', (_name, faults) => {
    const plan = planDeliveries(weekday(), faults, { seed: 11 });
    expect(promisedCount(plan.deliveries)).toBe(finalTruth());
    expect(engineCount(plan.deliveries)).toBe(finalTruth());
  });

  it('reboots lose only the passes after the last delivered reading of the old boot, as the fault log says', () => {
    const faults = { dropRate: 0.05, duplicateRate: 0.05, reorderWindowMs: 5000, randomReboots: 2, reboots: [{ gate: 0, atMs: startMs + 10 * 3_600_000 }] };
    const plan = planDeliveries(weekday(), faults, { seed: 5 });
    expect(plan.log.reboots).toHaveLength(3);
    const promised = promisedCount(plan.deliveries);
    expect(engineCount(plan.deliveries)).toBe(promised);
    expect(promised).toBe(finalTruth() - unavoidableLoss(plan));
  });

  it('the unavoidable loss is real: a reboot right after undelivered passes loses them', () => {
    const plan = planDeliveries(weekday(), { dropRate: 0.3, randomReboots: 6 }, { seed: 4 });
    expect(unavoidableLoss(plan)).toBe(1);
    expect(promisedCount(plan.deliveries)).toBe(finalTruth() - 1);
    expect(engineCount(plan.deliveries)).toBe(finalTruth() - 1);
  });
});
