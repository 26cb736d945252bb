/** The trend rule (core/trend.ts) and the trend in a lot's status: filling / emptying / steady, with hysteresis; absent when unknown. */
import { describe, expect, it } from 'vitest';
import { createLotState, createMovementLog, nextTrend } from '../../core/index.js';
import type { Trend } from '../../protocol/index.js';
import { oneLot } from '../support/fixtures.js';

const MIN = 60_000;

describe('nextTrend', () => {
  it('turns filling or emptying only past the entry threshold (3 % of capacity, at least 2 vehicles)', () => {
    expect(nextTrend(null, 5, 200)).toBe('steady'); // 3 % of 200 = 6
    expect(nextTrend(null, 6, 200)).toBe('filling');
    expect(nextTrend(null, -6, 200)).toBe('emptying');
    expect(nextTrend('steady', 1, 10)).toBe('steady'); // a small lot: one car is no trend
    expect(nextTrend('steady', 2, 10)).toBe('filling');
  });

  it('keeps a trend while the movement stays past the exit threshold (1 %), so it does not flap', () => {
    expect(nextTrend('filling', 2, 200)).toBe('filling');
    expect(nextTrend('filling', 1, 200)).toBe('steady');
    expect(nextTrend('emptying', -2, 200)).toBe('emptying');
    expect(nextTrend('filling', -6, 200)).toBe('emptying');
  });

  it('is idempotent: the same movement evaluated again gives the same trend', () => {
    for (const prev of [null, 'filling', 'emptying', 'steady'] as (Trend | null)[]) {
      for (let change = -10; change <= 10; change++) {
        const once = nextTrend(prev, change, 100);
        expect(nextTrend(once, change, 100)).toBe(once);
      }
    }
  });

  it('a count wobbling around an entry threshold changes trend at most twice, not with every car', () => {
    let trend: Trend | null = null;
    let changes = 0;
    for (const change of [6, 5, 6, 5, 6, 4, 3, 5, 6, 2]) {
      const next = nextTrend(trend, change, 200);
      if (next !== trend) changes++;
      trend = next;
    }
    expect(changes).toBe(1); // steady -> filling once (the first evaluation sets it)
    expect(trend).toBe('filling');
  });
});

describe('movement log', () => {
  it('is unknown until an observation is as old as the window, then gives the net change', () => {
    const log = createMovementLog({ windowMs: 15 * MIN });
    log.record(0, 10);
    log.record(5 * MIN, 14);
    expect(log.changeOver(10 * MIN)).toBeNull();
    expect(log.changeOver(15 * MIN)).toBe(4);
    log.record(20 * MIN, 20);
    expect(log.changeOver(20 * MIN)).toBe(6); // baseline: 14 at 5 min
    expect(log.changeOver(40 * MIN)).toBe(0); // quiet since: steady
  });

  it('stays small for a busy lot (one entry per resolution step within the window)', () => {
    const log = createMovementLog({ windowMs: 15 * MIN, resolutionMs: 10_000 });
    for (let t = 0; t < 60 * MIN; t += 100) log.record(t, Math.floor(t / MIN));
    // 36,000 readings: the change over the window is still the true one (59 now, 45 at 45:00, 44 just before)
    expect(log.changeOver(60 * MIN)).toBe(14);
    expect(log.changeOver(60 * MIN - 1)).toBe(15);
  });

  it('gives the count at an earlier time within the window, null before its first observation', () => {
    const log = createMovementLog({ windowMs: 60 * MIN });
    log.record(10 * MIN, 5);
    log.record(30 * MIN, 9);
    log.record(80 * MIN, 12);
    expect(log.countAt(5 * MIN)).toBeNull(); // nothing recorded that early: unknown, not 0
    expect(log.countAt(20 * MIN)).toBe(5);
    expect(log.countAt(79 * MIN)).toBe(9);
    expect(log.countAt(80 * MIN)).toBe(12);
    log.record(200 * MIN, 3); // the window keeps one entry at or before 140 min: 12 (from 80 min)
    expect(log.countAt(140 * MIN)).toBe(12);
    expect(log.countAt(100 * MIN)).toBe(12);
    expect(log.countAt(30 * MIN)).toBeNull(); // dropped: older than the window needs
  });

  it('forgets everything on clear (a calibration)', () => {
    const log = createMovementLog();
    log.record(0, 1);
    log.clear();
    expect(log.changeOver(60 * MIN)).toBeNull();
  });
});

describe('trend in a lot status', () => {
  const lot = oneLot({ sensors: ['g1'], staleAfterS: 3600 }).lots[0]!; // capacity 10
  const reading = (seq: number, inCount: number, outCount: number, ts: number) => ({ boot: 1, seq, ts, in: inCount, out: outCount });

  it('absent at first, filling once the lot gained enough over 15 minutes, steady when it stops, absent when stale', () => {
    const state = createLotState(lot);
    state.apply('g1', reading(1, 0, 0, 0), 0);
    expect(state.status(MIN).trend).toBeUndefined(); // too little data
    state.apply('g1', reading(2, 3, 0, 10 * MIN), 10 * MIN);
    expect(state.status(15 * MIN).trend).toBe('filling');
    state.apply('g1', reading(3, 3, 0, 30 * MIN), 30 * MIN);
    expect(state.status(30 * MIN).trend).toBe('steady');
    expect(state.status(3 * 3600_000).trend).toBeUndefined(); // silent past its stale window
  });

  it('a calibration starts the trend afresh', () => {
    const state = createLotState(lot);
    state.apply('g1', reading(1, 0, 0, 0), 0);
    state.apply('g1', reading(2, 4, 0, 16 * MIN), 16 * MIN);
    expect(state.status(16 * MIN).trend).toBe('filling');
    state.calibrate(0);
    expect(state.status(16 * MIN).trend).toBeUndefined();
  });
});
