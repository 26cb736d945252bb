import { describe, expect, it } from 'vitest';
import { createForecastFeed } from '../../api/forecast-feed.js';
import { createStatusFeed } from '../../api/index.js';
import { DEFAULT_THRESHOLDS, forecast, trainForecaster, type Model } from '../../core/index.js';
import type { LotStatus } from '../../protocol/index.js';
import { occupancyWeeks } from '../../testkit/occupancy-weeks.js';
import { oneLot } from '../support/fixtures.js';

const MIN = 60_000;
const lots = oneLot({ staleAfterS: 3600 }); // capacity 10, Asia/Tokyo
const lot = lots.lots[0]!;
const trained = trainForecaster(occupancyWeeks({ timeZone: lot.timeZone, holidays: 'JP', from: '2026-09-01', days: 35, stepMin: 15, capacity: 10, seed: 1 }), {
  timeZone: lot.timeZone, holidays: 'JP', capacity: 10, thresholds: DEFAULT_THRESHOLDS,
});
if (!trained.ok) throw new Error(trained.reason);
const model: Model = trained.model;
const T0 = Date.parse('2026-10-06T07:30:00+09:00'); // a Tuesday morning, the day after the history
const status = (occupied: number, atMs: number): LotStatus => ({
  lotId: 'lot-a', name: { ja: 'A', en: 'A' }, capacity: 10, occupied, available: 10 - occupied, occupancy: occupied / 10,
  level: 'vacant', label: '空', observedAt: new Date(atMs).toISOString(), stale: false,
});

describe('forecast feed: today\'s counts', () => {
  it('passes the counts it received over the last hour, one per model step, and forgets them when the lot goes stale', () => {
    let now = T0;
    const clock = { now: () => now };
    const feed = createStatusFeed({ lots, clock });
    const live = createForecastFeed({ feed, models: { get: () => ({ state: 'ready', model, trainedAtMs: T0 }), onRefresh: () => () => {} }, clock });
    live.start();
    const send = (occupied: number) => feed.onMessage('parking/v1/lot-a/status', Buffer.from(JSON.stringify(status(occupied, now))));
    for (const occupied of [1, 2, 3, 4, 5]) {
      send(occupied);
      now += 15 * MIN;
    }
    now -= 15 * MIN; // 08:30: 5 now; 4, 3, 2, 1 at 15, 30, 45, 60 minutes before
    const served = live.forecastNow('lot-a', [60]);
    const expected = forecast(model, now, { occupied: 5, level: 'vacant', occupiedBefore: [4, 3, 2, 1] }, [60]);
    const nowOnly = forecast(model, now, { occupied: 5, level: 'vacant' }, [60]);
    expect(served).toMatchObject({ ok: true, points: expected.points });
    expect(expected.points).not.toEqual(nowOnly.points);

    now += 2 * 3600_000; // silent past staleAfterS: stale, the counts are dropped
    feed.tick();
    expect(live.forecastNow('lot-a', [60])).toMatchObject({ ok: false });
    send(5);
    expect(live.forecastNow('lot-a', [60])).toMatchObject({ ok: true, points: forecast(model, now, { occupied: 5, level: 'vacant' }, [60]).points });
    live.stop();
  });
});
