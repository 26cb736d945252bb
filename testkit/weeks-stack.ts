/**
 * Plays simulated weeks (firmware-sim createWeeks) through the real broker and ingest into the
 * embedded store on virtual time, then reads the lot's history back as the forecaster's samples.
 * With `stops`, a real API serves the lot from the same store while the weeks play, and play
 * pauses at each stop time so a test can ask the API what the service would answer then.
 * Shared by the end-to-end forecast test and `npm run bench -- truth`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApi } from '../api/index.js';
import { createBroker, hashPassword } from '../broker/index.js';
import { LotsFile, MAX_HISTORY_POINTS, type Sample } from '../core/index.js';
import { createSimulation, planDeliveries, type WeeksScenario } from '../firmware-sim/index.js';
import { createIngest, messagesTaken } from '../ingest/index.js';
import { createEmbeddedStore, embeddedHistory, type HistorySource } from '../storage/index.js';
import { waitFor } from './wait.js';

/** How long one delivery may take to reach ingest in lock-step play before the play fails. */
const SETTLE_TIMEOUT_MS = 60_000;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export const WEEKS_LOT = 'weeks-lot';
/** The API follows the lot from this long (virtual) before the first stop. */
const API_LEAD_MS = 3_600_000;
const PASSWORD = 'weeks';

export interface PlayedWeeks {
  /** The lot's history as stored, on a `stepMin` grid: each sample is the state at the end of its bucket. */
  samples: Sample[];
  deliveries: number;
  /** Stops visited (all of them, or play threw). */
  stopped: number;
}

/** The API as it serves the lot at a stop. */
export interface WeeksApi {
  /** `http://127.0.0.1:PORT`, whose clock reads the stop's time. */
  base: string;
  /** Retrains the forecast model from the history stored up to now, as the service's schedule does. */
  refreshForecasts(): Promise<void>;
}

export interface WeeksStops {
  /** Sorted times within the weeks: play pauses at each with every delivery up to it taken and none after. */
  timesMs: readonly number[];
  /** Called at each stop once the API shows the lot's current status; play resumes when it resolves. */
  visit(api: WeeksApi, atMs: number): Promise<void>;
}

/**
 * @param heartbeatMs a quiet gate's heartbeat (the lot goes stale after two missed ones)
 * @example const { samples } = await playWeeks(createWeeks({ weeks: 6, seed: 1, timeZone: 'Asia/Tokyo', holidays: 'JP', from: '2026-09-07', capacity: 60, gates: 1 }));
 */
export async function playWeeks(
  scenario: WeeksScenario,
  { stepMin = 15, heartbeatMs = 900_000, timeZone = 'Asia/Tokyo', stops }: { stepMin?: number; heartbeatMs?: number; timeZone?: string; stops?: WeeksStops } = {},
): Promise<PlayedWeeks> {
  if (scenario.options.gates !== 1) throw new RangeError('playWeeks plays one gate: its deliveries must reach ingest in plan order');
  const dir = mkdtempSync(join(tmpdir(), 'manku-weeks-'));
  const logger = pino({ level: 'silent' });
  const hash = await hashPassword(PASSWORD, { N: 1024 });
  const gates = Array.from({ length: scenario.options.gates }, (_, i) => `weeks-gate-${i + 1}`);
  const lots = LotsFile.parse({
    lots: [{ id: WEEKS_LOT, name: { ja: '週', en: 'Weeks' }, capacity: scenario.options.capacity, timeZone, staleAfterS: (2 * heartbeatMs) / 1000, sensors: gates.map((id) => ({ id, passwordHash: hash })) }],
    accounts: [
      { username: 'weeks-ingest', role: 'ingest', passwordHash: hash },
      { username: 'weeks-api', role: 'api', passwordHash: hash },
    ],
  });
  const plan = planDeliveries(scenario, {}, { seed: scenario.options.seed, heartbeatMs });
  const times = stops?.timesMs ?? [];
  if (times.some((t, i) => t < (plan.deliveries[0]?.atMs ?? Infinity) || t < (times[i - 1] ?? t))) throw new RangeError('stops must be sorted and after the first delivery');
  // The virtual clock is the time of the last delivery ingest has taken: a status and its history
  // point are stamped with the time of the state they show, however far the publisher runs ahead.
  // That needs ingest to take the deliveries in plan order: one gate (one connection) only.
  let ingest: ReturnType<typeof createIngest> | null = null;
  const clock = { now: () => plan.deliveries[Math.max(0, (ingest ? messagesTaken(ingest.ledger.stats()) : 0) - 1)]?.atMs ?? scenario.options.startMs };
  const broker = createBroker({ lots, port: 0, logger });
  const { port } = await broker.start();
  const url = `mqtt://127.0.0.1:${port}`;
  const store = createEmbeddedStore({ dataDir: join(dir, 'data') });
  // Readings keep their own ts (the clock lags by the deliveries in flight); every status change is
  // flushed at once, unthrottled (a day's changes pass in a second of real time), and history
  // coalesces count-only changes over 1 ms only (statusIntervalMs, statusLotIntervalMs, historyIntervalMs).
  ingest = createIngest({
    lots, store, mqttUrl: url, username: 'weeks-ingest', password: PASSWORD, clock, logger, tickMs: 3_600_000, skewToleranceMs: 7 * 86_400_000,
    statusIntervalMs: 0, statusLotIntervalMs: 0, historyIntervalMs: 1,
  });
  await ingest.start();
  // The API reads the ingest clock, held at a stop's time while play pauses there. Its own
  // schedules (ticks, model refresh) run on real hours, so only stops retrain the model. It starts
  // an hour (virtual) before the first stop: what it serves depends on the stored history and the
  // last 15 minutes of statuses only, and following weeks of statuses it never serves costs CPU.
  let heldMs = 0;
  const api = stops
    ? createApi({
        lots, mqttUrl: url, username: 'weeks-api', password: PASSWORD, port: 0, logger, history: embeddedHistory(store),
        clock: { now: () => Math.max(clock.now(), heldMs) }, tickMs: 3_600_000, forecastRefreshMs: 3_600_000, forecastColdRetryMs: 3_600_000,
        rateLimit: { perSecond: 0, burst: 1, maxAddresses: 1 }, upgradeLimits: { perSecond: 0, perAddressPerSecond: 0 },
      })
    : null;
  let weeksApi: WeeksApi | null = null;
  const startApiBefore = async (nextAtMs: number) => {
    if (api && !weeksApi && nextAtMs >= times[0]! - API_LEAD_MS) weeksApi = { base: `http://127.0.0.1:${(await api.start()).port}`, refreshForecasts: () => api.refreshForecasts() };
  };
  let stopped = 0;
  const stopAt = async (atMs: number) => {
    heldMs = atMs;
    const want = ingest!.ledger.status(WEEKS_LOT)!;
    await waitFor(async () => {
      const shown = (await (await fetch(`${weeksApi!.base}/api/v1/lots/${WEEKS_LOT}`)).json()) as { observedAt: string | null; occupied: number };
      return shown.observedAt === want.observedAt && shown.occupied === want.occupied;
    }, { timeoutMs: 30_000, what: `the API to show the status of ${new Date(atMs).toISOString()}` });
    await stops!.visit(weeksApi!, atMs);
    stopped += 1;
  };
  /** Visits the stops before the next delivery (at nextAtMs). */
  const visitStops = async (nextAtMs: number) => {
    await startApiBefore(nextAtMs);
    while (stopped < times.length && times[stopped]! < nextAtMs) await stopAt(times[stopped]!);
  };
  // Lock-step: the next delivery goes once ingest has taken this one and flushed its status, so no
  // two deliveries meet in one read and every state reaches history, however busy the machine.
  const settle = async (sent: number) => {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    while (messagesTaken(ingest!.ledger.stats()) < sent) {
      if (Date.now() > deadline) throw new Error(`ingest did not take delivery ${sent} of ${plan.deliveries.length} within ${SETTLE_TIMEOUT_MS} ms`);
      await nextTurn();
    }
    await nextTurn();
    await visitStops(plan.deliveries[sent]?.atMs ?? Infinity);
  };
  const sim = createSimulation({ mqttUrl: url, lotId: WEEKS_LOT, sensors: gates.map((id) => ({ id, password: PASSWORD })), plan, progressEvery: 1, settle });
  try {
    await sim.run();
    await waitFor(() => messagesTaken(ingest!.ledger.stats()) === plan.deliveries.length, { timeoutMs: 60_000, what: `ingest to take all ${plan.deliveries.length} deliveries` });
    await visitStops(Infinity);
    const samples = await historySamples(embeddedHistory(store), WEEKS_LOT, scenario.options.startMs, scenario.options.startMs + scenario.options.hours * 3_600_000, stepMin * 60_000);
    return { samples, deliveries: plan.deliveries.length, stopped };
  } finally {
    await sim.stop();
    if (weeksApi) await api!.stop();
    await ingest.stop();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A lot's stored history as samples on a grid, read in pages of MAX_HISTORY_POINTS buckets. */
export async function historySamples(source: Pick<HistorySource, 'history'>, lotId: string, fromMs: number, toMs: number, stepMs: number): Promise<Sample[]> {
  const out: Sample[] = [];
  for (let from = fromMs; from < toMs; from += MAX_HISTORY_POINTS * stepMs) {
    const points = await source.history(lotId, from, Math.min(toMs, from + MAX_HISTORY_POINTS * stepMs), stepMs);
    // A bucket's point is the state at the end of the bucket: just before the next grid time.
    for (const p of points) out.push({ timeMs: Date.parse(p.t) + stepMs - 1, occupied: p.occupied });
  }
  return out;
}
