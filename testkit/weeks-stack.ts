/**
 * Plays simulated weeks (firmware-sim createWeeks) through the real broker and ingest into the
 * embedded store on virtual time, then reads the lot's history back as the forecaster's samples.
 * Shared by the end-to-end forecast test and `npm run bench -- truth`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createBroker, hashPassword } from '../broker/index.js';
import { LotsFile, MAX_HISTORY_POINTS, type Sample } from '../core/index.js';
import { createSimulation, planDeliveries, type WeeksScenario } from '../firmware-sim/index.js';
import { createIngest, messagesTaken } from '../ingest/index.js';
import { createEmbeddedStore, embeddedHistory, type HistorySource } from '../storage/index.js';
import { waitFor } from './wait.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export const WEEKS_LOT = 'weeks-lot';
const PASSWORD = 'weeks';

export interface PlayedWeeks {
  /** The lot's history as stored, on a `stepMin` grid: each sample is the state at the end of its bucket. */
  samples: Sample[];
  deliveries: number;
}

/**
 * @param heartbeatMs a quiet gate's heartbeat (the lot goes stale after two missed ones)
 * @example const { samples } = await playWeeks(createWeeks({ weeks: 6, seed: 1, timeZone: 'Asia/Tokyo', holidays: 'JP', from: '2026-09-07', capacity: 60, gates: 1 }));
 */
export async function playWeeks(scenario: WeeksScenario, { stepMin = 15, heartbeatMs = 900_000, timeZone = 'Asia/Tokyo' } = {}): Promise<PlayedWeeks> {
  if (scenario.options.gates !== 1) throw new RangeError('playWeeks plays one gate: its deliveries must reach ingest in plan order');
  const dir = mkdtempSync(join(tmpdir(), 'manku-weeks-'));
  const logger = pino({ level: 'silent' });
  const hash = await hashPassword(PASSWORD, { N: 1024 });
  const gates = Array.from({ length: scenario.options.gates }, (_, i) => `weeks-gate-${i + 1}`);
  const lots = LotsFile.parse({
    lots: [{ id: WEEKS_LOT, name: { ja: '週', en: 'Weeks' }, capacity: scenario.options.capacity, timeZone, staleAfterS: (2 * heartbeatMs) / 1000, sensors: gates.map((id) => ({ id, passwordHash: hash })) }],
    accounts: [{ username: 'weeks-ingest', role: 'ingest', passwordHash: hash }],
  });
  const plan = planDeliveries(scenario, {}, { seed: scenario.options.seed, heartbeatMs });
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
  // flushed at once, and history coalesces count-only changes over 1 ms only (statusIntervalMs, historyIntervalMs).
  ingest = createIngest({ lots, store, mqttUrl: url, username: 'weeks-ingest', password: PASSWORD, clock, logger, tickMs: 3_600_000, skewToleranceMs: 7 * 86_400_000, statusIntervalMs: 0, historyIntervalMs: 1 });
  await ingest.start();
  // Lock-step: the next delivery goes once ingest has taken this one and flushed its status, so no
  // two deliveries meet in one read and every state reaches history, however busy the machine.
  const settle = async (sent: number) => {
    while (messagesTaken(ingest!.ledger.stats()) < sent) await nextTurn();
    await nextTurn();
  };
  const sim = createSimulation({ mqttUrl: url, lotId: WEEKS_LOT, sensors: gates.map((id) => ({ id, password: PASSWORD })), plan, progressEvery: 1, settle });
  try {
    await sim.run();
    await waitFor(() => messagesTaken(ingest!.ledger.stats()) === plan.deliveries.length, { timeoutMs: 60_000, what: `ingest to take all ${plan.deliveries.length} deliveries` });
    const samples = await historySamples(embeddedHistory(store), WEEKS_LOT, scenario.options.startMs, scenario.options.startMs + scenario.options.hours * 3_600_000, stepMin * 60_000);
    return { samples, deliveries: plan.deliveries.length };
  } finally {
    await sim.stop();
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
