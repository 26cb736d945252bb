/**
 * Several weeks at a hospital car park, one timeline: each local day is a weekday or a weekend day
 * (a national holiday is a weekend day, for a lot that keeps them: `holidays: 'JP'`), with its own
 * demand (arrival rates × 0.9–1.1, seeded), and cars parked over midnight stay parked. Used to
 * play history into the store and check forecasts against the truth. Deterministic for a seed.
 */
import holidayJp from '@holiday-jp/holiday_jp';
import { startOfDayIn, zoneOffsetMs } from '../protocol/index.js';
import { createRandom } from './random.js';
import { admit, arrivalsOf, PROFILES, type Arrival, type Scenario } from './scenarios.js';

export type WeeksHolidays = 'JP' | 'none';

export interface WeeksOptions {
  weeks: number;
  seed: number;
  /** The lot's IANA zone: days start at its local midnight. */
  timeZone: string;
  holidays: WeeksHolidays;
  /** First local day, YYYY-MM-DD. */
  from: string;
  capacity?: number;
  gates?: number;
}

export interface SimulatedDay {
  date: string;
  startMs: number;
  kind: 'weekday' | 'weekend';
  holiday: boolean;
  /** Arrival rates are the scenario's × this. */
  demand: number;
}

export interface WeeksScenario extends Scenario {
  days: SimulatedDay[];
}

const jpHolidays = holidayJp.holidays as Readonly<Record<string, unknown>>;
const isHoliday = (holidays: WeeksHolidays, date: string) => holidays === 'JP' && Object.hasOwn(jpHolidays, date);

/**
 * @example createWeeks({ weeks: 6, seed: 1, timeZone: 'Asia/Tokyo', holidays: 'JP', from: '2026-09-07' })
 *   // 42 days, 敬老の日 (9/21) and 秋分の日 (9/22) played as weekend days
 */
export function createWeeks(o: WeeksOptions): WeeksScenario {
  const capacity = o.capacity ?? 200;
  const gates = o.gates ?? 2;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(o.from)) throw new RangeError(`from must be YYYY-MM-DD, not "${o.from}"`);
  if (!Number.isInteger(o.weeks) || o.weeks < 1) throw new RangeError(`weeks must be a whole number ≥ 1, not ${o.weeks}`);
  const random = createRandom(o.seed);
  const days: SimulatedDay[] = [];
  const arrivals: Arrival[] = [];
  const noon = Date.parse(`${o.from}T12:00:00Z`);
  for (let d = 0; d < o.weeks * 7; d++) {
    const civil = new Date(noon + d * 86_400_000);
    const date = civil.toISOString().slice(0, 10);
    const holiday = isHoliday(o.holidays, date);
    const weekday = civil.getUTCDay();
    const kind = holiday || weekday === 0 || weekday === 6 ? 'weekend' : 'weekday';
    // Local noon of the date is on that date in any zone; its day starts at local midnight.
    const noonUtc = Date.parse(`${date}T12:00:00Z`);
    const startMs = startOfDayIn(o.timeZone, noonUtc - zoneOffsetMs(o.timeZone, noonUtc));
    const demand = 0.9 + 0.2 * random.next();
    days.push({ date, startMs, kind, holiday, demand });
  }
  const endMs = startOfDayIn(o.timeZone, days.at(-1)!.startMs + 36 * 3_600_000);
  days.forEach((day, i) => {
    const hours = ((days[i + 1]?.startMs ?? endMs) - day.startMs) / 3_600_000;
    arrivalsOf(PROFILES[day.kind], random, (capacity / 200) * day.demand, day.startMs, Math.round(hours), arrivals);
  });
  const startMs = days[0]!.startMs;
  const hours = (endMs - startMs) / 3_600_000;
  return {
    // `name` says which profile a day of the timeline uses in `days`, not the whole timeline's.
    options: { name: 'weekday', seed: o.seed, capacity, gates, startMs, hours },
    days,
    ...admit(arrivals, { capacity, gates, endMs }, random),
  };
}
