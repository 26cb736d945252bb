import { describe, expect, it } from 'vitest';
import {
  createLocalClock, DEFAULT_THRESHOLDS, forecast, HOLIDAY_CALENDARS, MIN_HISTORY_DAYS, nextLevel, trainForecaster, trainingSteps,
  type ForecasterOptions, type KnownLevel, type Model, type Sample,
} from '../../core/index.js';
import { occupancyWeeks, seededRandom, typicalShare } from '../../testkit/occupancy-weeks.js';

const CAPACITY = 400;
const options = (timeZone: string, holidays: ForecasterOptions['holidays'] = 'none'): ForecasterOptions => ({
  timeZone, holidays, capacity: CAPACITY, thresholds: DEFAULT_THRESHOLDS,
});
const weeks = (timeZone: string, from: string, days: number, holidays: ForecasterOptions['holidays'] = 'none', seed = 1) =>
  occupancyWeeks({ timeZone, holidays, from, days, stepMin: 15, capacity: CAPACITY, seed });

function train(samples: Sample[], o: ForecasterOptions): Model {
  const r = trainForecaster(samples, o);
  if (!r.ok) throw new Error(r.reason);
  return r.model;
}

/** UTC ms of a local wall time in a zone, e.g. at('Europe/London', '2026-11-02T08:00'). */
const at = (zone: string, local: string) => createLocalClock(zone).utcMs(Date.parse(`${local}:00Z`));
const pctOf = (occupied: number) => (occupied / CAPACITY) * 100;

describe('forecast: cold start', () => {
  it('gives no model, with a reason, below two weeks of history; a model from 14 days with data', () => {
    const short = trainForecaster(weeks('Asia/Tokyo', '2026-09-01', MIN_HISTORY_DAYS - 1), options('Asia/Tokyo'));
    expect(short.ok).toBe(false);
    expect(!short.ok && short.reason).toMatch(/not enough history: 13 days with data .* needs 14/);
    expect(trainForecaster([], options('Asia/Tokyo')).ok).toBe(false);
    expect(trainForecaster(weeks('Asia/Tokyo', '2026-09-01', MIN_HISTORY_DAYS), options('Asia/Tokyo')).ok).toBe(true);
  });

  it('refuses a time of day it has never seen instead of making a number up', () => {
    // Like the Birmingham file: readings only from 08:00 to 16:30 local.
    const samples = weeks('Asia/Tokyo', '2026-09-01', 28).filter((s) => {
      const hour = new Date(s.timeMs + 9 * 3_600_000).getUTCHours();
      return hour >= 8 && hour < 17;
    });
    const model = train(samples, options('Asia/Tokyo'));
    const evening = forecast(model, at('Asia/Tokyo', '2026-09-29T15:00'), { occupied: 300 }, [60, 180]);
    expect(evening.points.map((p) => p.horizonMin)).toEqual([60]);
    expect(evening.skipped).toEqual([{ horizonMin: 180, reason: expect.stringMatching(/0 past day\(s\) of this kind at this time of day/) }]);
  });
});

describe('forecast: the profile follows local time', () => {
  it('Asia/Tokyo: forecasts the morning fill of a weekday from 08:00 local', () => {
    const model = train(weeks('Asia/Tokyo', '2026-09-01', 35), options('Asia/Tokyo'));
    const now = at('Asia/Tokyo', '2026-10-06T08:00'); // a Tuesday
    const f = forecast(model, now, { occupied: Math.round(typicalShare(8, 2) * CAPACITY) }, [60, 120]);
    expect(f.skipped).toEqual([]);
    expect(Math.abs(pctOf(f.points[0]!.occupied) - typicalShare(9, 2) * 100)).toBeLessThan(6);
    expect(Math.abs(pctOf(f.points[1]!.occupied) - typicalShare(10, 2) * 100)).toBeLessThan(8);
    expect(f.points[0]!.at).toBe('2026-10-06T00:00:00.000Z');
  });

  it('Europe/London: after the clocks go back, 08:00 is still 08:00 (the slots follow local time)', () => {
    // Four weeks of summer time (UTC+1), then two of winter time (UTC+0); BST ended 2026-10-25.
    const model = train(weeks('Europe/London', '2026-09-27', 42), options('Europe/London'));
    const now = at('Europe/London', '2026-11-09T08:00'); // a Monday, 08:00 GMT
    expect(now).toBe(Date.parse('2026-11-09T08:00:00Z'));
    const f = forecast(model, now, { occupied: Math.round(typicalShare(8, 1) * CAPACITY) }, [60]);
    const want = typicalShare(9, 1) * 100;
    // Slots in UTC would read the summer weeks an hour late and say about typicalShare(10) (≈ 73 %).
    expect(Math.abs(pctOf(f.points[0]!.occupied) - want)).toBeLessThan(6);
    expect(typicalShare(10, 1) * 100 - want).toBeGreaterThan(20);
  });
});

describe('forecast: holidays', () => {
  it('the JP calendar knows 勤労感謝の日 and is read for the lot\'s local date', () => {
    expect(HOLIDAY_CALENDARS.JP('2026-11-23')).toBe(true);
    expect(HOLIDAY_CALENDARS.JP('2026-11-24')).toBe(false);
    expect(HOLIDAY_CALENDARS.none('2026-11-23')).toBe(false);
  });

  it('a Japanese holiday on a Monday is forecast like a Sunday with holidays "JP", like a Monday with "none"', () => {
    // The lot keeps holidays like Sundays (敬老の日 9/21, 秋分の日 9/22, スポーツの日 10/12, 文化の日 11/3 are in the history).
    const samples = weeks('Asia/Tokyo', '2026-09-01', 83, 'JP');
    const now = at('Asia/Tokyo', '2026-11-23T07:00'); // 勤労感謝の日, a Monday
    const current = { occupied: Math.round(typicalShare(7, 0) * CAPACITY) };
    const jp = forecast(train(samples, options('Asia/Tokyo', 'JP')), now, current, [180]).points[0]!;
    const none = forecast(train(samples, options('Asia/Tokyo', 'none')), now, current, [180]).points[0]!;
    expect(Math.abs(pctOf(jp.occupied) - typicalShare(10, 0) * 100)).toBeLessThan(6);
    expect(pctOf(none.occupied) - pctOf(jp.occupied)).toBeGreaterThan(20);
  });
});

describe('forecast: history with gaps', () => {
  it('trains and forecasts through missing days and missing hours', () => {
    const random = seededRandom(7);
    const samples = weeks('Asia/Tokyo', '2026-09-01', 42).filter((s) => {
      const day = Math.floor((s.timeMs + 9 * 3_600_000) / 86_400_000);
      return day % 9 !== 3 && random() > 0.2; // every ninth day missing, a fifth of the readings lost
    });
    const model = train(samples, options('Asia/Tokyo'));
    const f = forecast(model, at('Asia/Tokyo', '2026-10-13T09:00'), { occupied: Math.round(typicalShare(9, 2) * CAPACITY) }, [15, 30, 60, 120, 180]);
    expect(f.skipped).toEqual([]);
    for (const p of f.points) expect(Number.isInteger(p.occupied)).toBe(true);
    expect(Math.abs(pctOf(f.points[2]!.occupied) - typicalShare(10, 2) * 100)).toBeLessThan(8);
  });
});

describe('forecast: points', () => {
  const model = train(weeks('Asia/Tokyo', '2026-09-01', 35), options('Asia/Tokyo'));

  it('band around the point, everything within 0..capacity, levels by the lot thresholds with hysteresis', () => {
    const random = seededRandom(3);
    for (let i = 0; i < 200; i++) {
      const now = at('Asia/Tokyo', '2026-10-06T00:00') + Math.floor(random() * 7 * 96) * 900_000 + Math.floor(random() * 900_000);
      const occupied = i % 10 === 0 ? CAPACITY : i % 10 === 1 ? 0 : Math.floor(random() * (CAPACITY + 1));
      const level = (['vacant', 'crowded', 'full'] as const)[i % 3]!;
      const f = forecast(model, now, { occupied, level }, [15, 30, 45, 60, 90, 120, 180]);
      let previous: KnownLevel = level;
      for (const p of f.points) {
        expect(p.low).toBeGreaterThanOrEqual(0);
        expect(p.low).toBeLessThanOrEqual(p.occupied);
        expect(p.occupied).toBeLessThanOrEqual(p.high);
        expect(p.high).toBeLessThanOrEqual(CAPACITY);
        expect(p.available).toBe(CAPACITY - p.occupied);
        previous = nextLevel(previous, pctOf(p.occupied), DEFAULT_THRESHOLDS);
        expect(p.level).toBe(previous);
      }
    }
  });

  it('a full lot stays full while above the full-decreasing threshold (hysteresis like the live level)', () => {
    // Wide hysteresis: 満 from 99 %, back below 60 %; the noon forecast of a ~80 % lot stays within it.
    const thresholds = { almostFullIncreasing: 50, almostFullDecreasing: 40, fullIncreasing: 99, fullDecreasing: 60 };
    const wide = train(weeks('Asia/Tokyo', '2026-09-01', 35), { ...options('Asia/Tokyo'), thresholds });
    const now = at('Asia/Tokyo', '2026-10-06T12:00');
    const occupied = Math.round(0.8 * CAPACITY);
    expect(forecast(wide, now, { occupied, level: 'full' }, [15]).points[0]!.level).toBe('full');
    expect(forecast(wide, now, { occupied }, [15]).points[0]!.level).toBe('crowded');
  });

  it('refuses horizons outside 1..180 minutes with a reason', () => {
    const f = forecast(model, at('Asia/Tokyo', '2026-10-06T12:00'), { occupied: 100 }, [0, 240]);
    expect(f.points).toEqual([]);
    expect(f.skipped.map((s) => s.reason)).toEqual(['horizon must be from 1 to 180 minutes', 'horizon must be from 1 to 180 minutes']);
  });
});

describe("forecast: today's earlier counts", () => {
  const model = train(weeks('Asia/Tokyo', '2026-09-01', 35), options('Asia/Tokyo'));
  // Tuesday 2026-10-06, the day after the history, with demand 10 % above the usual curve all morning.
  const busy = (hour: number) => Math.round(typicalShare(hour, 2) * 1.1 * CAPACITY);
  const now = at('Asia/Tokyo', '2026-10-06T08:30');

  it('a day running busier than usual since the last hour is forecast closer to what it becomes', () => {
    const occupiedBefore = [8.25, 8, 7.75, 7.5].map(busy); // 1, 2, 3, 4 steps of 15 min before now
    const withToday = forecast(model, now, { occupied: busy(8.5), occupiedBefore }, [60]).points[0]!;
    const nowOnly = forecast(model, now, { occupied: busy(8.5) }, [60]).points[0]!;
    const truth = busy(9.5);
    expect(Math.abs(withToday.occupied - truth)).toBeLessThan(Math.abs(nowOnly.occupied - truth));
  });

  it('unknown earlier counts (null) are left out, never taken as 0', () => {
    const none = forecast(model, now, { occupied: busy(8.5) }, [30, 60]);
    expect(forecast(model, now, { occupied: busy(8.5), occupiedBefore: [null, null, null, null] }, [30, 60])).toEqual(none);
    const partial = forecast(model, now, { occupied: busy(8.5), occupiedBefore: [busy(8.25), null] }, [60]).points[0]!;
    const zeros = forecast(model, now, { occupied: busy(8.5), occupiedBefore: [busy(8.25), 0] }, [60]).points[0]!;
    expect(partial.occupied).not.toBe(zeros.occupied);
  });
});

describe('forecast: training in steps', () => {
  it('pauses many times and ends with exactly the model trainForecaster gives', () => {
    const samples = weeks('Asia/Tokyo', '2026-09-01', 35, 'JP');
    const o = options('Asia/Tokyo', 'JP');
    const steps = trainingSteps(samples, o);
    let pauses = 0;
    let step = steps.next();
    for (; !step.done && pauses < 10_000; step = steps.next()) pauses++;
    expect(step.done).toBe(true);
    // One pause per day fitted on (35 days) and per fitted horizon (at least the first four).
    expect(pauses).toBeGreaterThanOrEqual(35 + 4);
    const stepped = (step.value as { ok: true; model: Model }).model;
    const straight = train(samples, o);
    expect(stepped.weights).toEqual(straight.weights);
    expect(stepped.low).toEqual(straight.low);
    expect(stepped.high).toEqual(straight.high);
  });

  it('a cold lot ends at once with the reason, no pause', () => {
    const steps = trainingSteps(weeks('Asia/Tokyo', '2026-09-01', 5), options('Asia/Tokyo'));
    const step = steps.next();
    expect(step.done).toBe(true);
    expect((step.value as { ok: false; reason: string }).reason).toMatch(/^not enough history: 5 days/);
  });
});
