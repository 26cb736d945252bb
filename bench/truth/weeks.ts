/**
 * Part of `npm run bench -- truth`: the sign at arrival. Simulated weeks (weekdays, weekends,
 * Japanese holidays) are played on virtual time through the real broker and ingest into the store;
 * the forecaster is trained from the stored history before each of the last 7 days, and each
 * 30-minute forecast's level is compared with the level the truth shows 30 minutes later.
 * In the same play, a real API serves the lot from the same store: every hour of the last 7 days
 * play pauses, the API retrains its model (as its schedule does) and `/forecast?in=30m,60m` is
 * asked over HTTP; its levels and bands are checked against the truth 30 and 60 minutes later.
 */
import { createWeeks, truthAt } from '../../firmware-sim/index.js';
import { arrivalLevels } from '../../testkit/arrival-levels.js';
import { createRouteArrivals } from '../../testkit/route-arrivals.js';
import { playWeeks, WEEKS_LOT } from '../../testkit/weeks-stack.js';

export async function arrivalTruth({ weeks, seed, capacity }: { weeks: number; seed: number; capacity: number }) {
  const scenario = createWeeks({ weeks, seed, timeZone: 'Asia/Tokyo', holidays: 'JP', from: '2026-09-07', capacity, gates: 1 });
  const testDays = scenario.days.slice(-7);
  const route = createRouteArrivals({ lotId: WEEKS_LOT, truth: scenario.truth, capacity });
  const routeAt = Array.from({ length: 7 * 24 }, (_, i) => testDays[0]!.startMs + i * 3_600_000);
  let routeMs = 0;
  const visit = async (api: Parameters<typeof route.visit>[0], atMs: number) => {
    const t = performance.now();
    await route.visit(api, atMs);
    routeMs += performance.now() - t;
  };
  const t0 = performance.now();
  const { samples, deliveries } = await playWeeks(scenario, { stepMin: 15, heartbeatMs: 1_800_000, stops: { timesMs: routeAt, visit } });
  const playSeconds = Number(((performance.now() - t0) / 1000).toFixed(1));
  const storedOff = samples.filter((s) => s.occupied !== truthAt(scenario, s.timeMs)).length;
  const viaRoute = route.result();
  const [r30, r60] = viaRoute.horizons;
  const levels = arrivalLevels({ history: samples, truth: scenario.truth, capacity, timeZone: 'Asia/Tokyo', holidays: 'JP', testDayStarts: testDays.map((d) => d.startMs), issueEveryMin: 5, horizonMin: 30 });
  console.log(
    `forecast at arrival: ${weeks} simulated weeks from 2026-09-07 (Asia/Tokyo, JP holidays: ${scenario.days.filter((d) => d.holiday).map((d) => d.date).join(', ')}), ${deliveries} deliveries through broker + ingest + store in ${playSeconds} s;\n` +
      `  stored 15-min history off the truth at ${storedOff} of ${samples.length} buckets; test ${testDays[0]!.date} .. ${testDays.at(-1)!.date}\n` +
      `  30-min forecast level = true level 30 min later: ${levels.correctPercent} % of ${levels.forecasts} forecasts (07:00–21:00: ${levels.open.correctPercent} %); target >= 95 %\n` +
      `  空 forecast while truly 満 at arrival: ${levels.vacantWhileFull}; no forecast: ${levels.noForecast}\n` +
      `  through the API (GET /forecast every hour, model retrained each time; ${Math.round(routeMs / 1000)} s of the play): answered ${viaRoute.answered} of ${viaRoute.stops}\n` +
      `    30 min: level right ${r30!.correctPercent} % of ${r30!.points}, truth inside the band ${r30!.inBandPercent} %, 空 while truly 満 ${r30!.vacantWhileFull}\n` +
      `    60 min: level right ${r60!.correctPercent} % of ${r60!.points}, truth inside the band ${r60!.inBandPercent} %, 空 while truly 満 ${r60!.vacantWhileFull}`,
  );
  return {
    weeks, seed, capacity, deliveries, playSeconds, storedBuckets: samples.length, storedOff, testFrom: testDays[0]!.date, testTo: testDays.at(-1)!.date, ...levels, targetPercent: 95,
    viaRoute: { ...viaRoute, everyMin: 60, seconds: Number((routeMs / 1000).toFixed(1)) },
  };
}
