/**
 * History → training → forecast against the simulator's ground truth (issue 11 item 6): six
 * simulated weeks (weekdays, weekends, Japanese holidays) played on virtual time through the real
 * broker and ingest into the embedded store; the forecaster is trained from what the store gives
 * back, as the service would, and its 30-minute level is checked against the true level.
 */
import { describe, expect, it } from 'vitest';
import { createWeeks, truthAt } from '../../firmware-sim/index.js';
import { arrivalLevels } from '../../testkit/arrival-levels.js';
import { playWeeks } from '../../testkit/weeks-stack.js';

const CAPACITY = 40;
// Three weeks, the last one starting with スポーツの日 (Mon 10/12): two weeks of history are the minimum.
const scenario = createWeeks({ weeks: 3, seed: 11, timeZone: 'Asia/Tokyo', holidays: 'JP', from: '2026-09-28', capacity: CAPACITY, gates: 1 });

describe('forecast at arrival on simulated weeks, through the real stack', () => {
  it('stores the weeks as they happened, and the 30-minute level matches the truth on the last week', async () => {
    const { samples, deliveries } = await playWeeks(scenario, { stepMin: 15, heartbeatMs: 1_800_000 });
    expect(deliveries).toBeGreaterThan(3000);
    // The store gives back the true occupancy (no faults in this play) at every 15-minute bucket:
    // history coalesces on the readings' time, so however busy the machine, no bucket's last state is lost.
    expect(samples.length).toBe(3 * 7 * 96);
    expect(samples.filter((s) => s.occupied !== truthAt(scenario, s.timeMs))).toEqual([]);

    // The last week: スポーツの日 (Monday 10/12) is a holiday, forecast like a Sunday.
    const lastWeek = scenario.days.slice(-7);
    expect(lastWeek[0]).toMatchObject({ date: '2026-10-12', holiday: true, kind: 'weekend' });
    const r = arrivalLevels({
      history: samples, truth: scenario.truth, capacity: CAPACITY, timeZone: 'Asia/Tokyo', holidays: 'JP',
      testDayStarts: lastWeek.map((d) => d.startMs), issueEveryMin: 5, horizonMin: 30,
    });
    expect(r.untrainedDays).toEqual([]);
    // Sunday 23:35–23:45 looks at Monday 00:00, seen on one Monday only (the history starts at
    // 00:00 on the first): no forecast there, rightly (MIN_DAYS_AT_SLOT).
    expect(r.forecasts + r.noForecast).toBe(7 * 288);
    expect(r.noForecast).toBeLessThanOrEqual(3);
    // A 40-space lot fills fast in the morning: a forecast of 空 that finds it 満 is rare, not impossible.
    expect(r.vacantWhileFull).toBeLessThanOrEqual(r.forecasts * 0.01);
    // bench/truth measures it (≥ 95 % is the target); the test bounds it with room for the seed.
    expect(r.correctPercent).toBeGreaterThanOrEqual(93);
    expect(r.open.correctPercent).toBeGreaterThanOrEqual(90);
  }, 240_000);
});
