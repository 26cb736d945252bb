/**
 * The forecast route against the simulator's truth: at a stop of playWeeks, the model is
 * retrained as the service's schedule does, `GET /api/v1/lots/{lotId}/forecast?in=…` is asked over
 * HTTP, and each point is checked against the truth `inMin` later: its level against the level the
 * live rules give the true occupancy, its band (low..high) against the true occupancy.
 * Shared by the end-to-end forecast test and `npm run bench -- truth`.
 */
import type { ForecastBody } from '../protocol/index.js';
import { lastAtOrBefore, truthLevelAt } from './arrival-levels.js';
import type { WeeksApi } from './weeks-stack.js';

type Truth = ReadonlyArray<{ timeMs: number; occupied: number }>;

export interface HorizonTally {
  inMin: number;
  points: number;
  /** The point's level is the true level then. */
  correct: number;
  correctPercent: number;
  /** low <= true occupancy <= high. */
  inBand: number;
  inBandPercent: number;
  /** Forecast 空 while the truth was 満 (the costly mistake). */
  vacantWhileFull: number;
}

export interface RouteArrivals {
  stops: number;
  /** Stops answered 200, and those answered otherwise (status and reason). */
  answered: number;
  unanswered: Array<{ at: string; status: number; reason: string }>;
  horizons: HorizonTally[];
}

export type ForecastAnswer = { status: 200; body: ForecastBody } | { status: number; body: { reason?: string; error?: { message: string } } };

/** Retrains the model (as the schedule does) and asks the route for these horizons. */
export async function forecastAt(api: WeeksApi, lotId: string, horizonsMin: readonly number[]): Promise<ForecastAnswer> {
  await api.refreshForecasts();
  const res = await fetch(`${api.base}/api/v1/lots/${lotId}/forecast?in=${horizonsMin.map((h) => `${h}m`).join(',')}`);
  return { status: res.status, body: await res.json() } as ForecastAnswer;
}

/**
 * @example const tally = createRouteArrivals({ lotId, truth: scenario.truth, capacity: 40 });
 *          await playWeeks(scenario, { stops: { timesMs, visit: (api, at) => tally.visit(api, at) } });
 *          tally.result().horizons[0].correctPercent
 */
export function createRouteArrivals({ lotId, truth, capacity, horizonsMin = [30, 60] }: { lotId: string; truth: Truth; capacity: number; horizonsMin?: readonly number[] }) {
  const levelAt = truthLevelAt(truth, capacity);
  const occupiedAt = (t: number) => truth[lastAtOrBefore(truth, t)]?.occupied ?? 0;
  const tallies = horizonsMin.map((inMin) => ({ inMin, points: 0, correct: 0, inBand: 0, vacantWhileFull: 0 }));
  const unanswered: RouteArrivals['unanswered'] = [];
  let stops = 0;

  /** Tallies one answer of the route at atMs (the API's clock); returns it for further checks. */
  function record(atMs: number, answer: ForecastAnswer): ForecastAnswer {
    stops += 1;
    if (answer.status !== 200) {
      const b = answer.body as { reason?: string; error?: { message: string } };
      unanswered.push({ at: new Date(atMs).toISOString(), status: answer.status, reason: b.reason ?? b.error?.message ?? '' });
      return answer;
    }
    for (const p of (answer.body as ForecastBody).points) {
      const tally = tallies.find((t) => t.inMin === p.inMin);
      if (!tally) continue;
      const at = atMs + p.inMin * 60_000;
      const level = levelAt(at);
      const occupied = occupiedAt(at);
      tally.points += 1;
      if (p.level === level) tally.correct += 1;
      if (p.low <= occupied && occupied <= p.high) tally.inBand += 1;
      if (p.level === 'vacant' && level === 'full') tally.vacantWhileFull += 1;
    }
    return answer;
  }

  const pct = (a: number, b: number) => (b ? Number(((a / b) * 100).toFixed(2)) : NaN);
  return {
    record,
    /** A playWeeks stop: retrain, ask, tally. */
    visit: async (api: WeeksApi, atMs: number) => record(atMs, await forecastAt(api, lotId, horizonsMin)),
    result: (): RouteArrivals => ({
      stops,
      answered: stops - unanswered.length,
      unanswered,
      horizons: tallies.map((t) => ({ ...t, correctPercent: pct(t.correct, t.points), inBandPercent: pct(t.inBand, t.points) })),
    }),
  };
}
