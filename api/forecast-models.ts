/**
 * Each lot's forecast model, trained from its own stored history (the store /history reads) and
 * refreshed on a schedule. Lots are trained one at a time, each in slices of a few milliseconds
 * with the event loop free between them: all of them once at start, back to back, then one
 * every refreshMs / lots so the work is spread over the interval; a lot without a
 * model is tried again every coldRetryMs. A lot's failure
 * (the store unreachable) is logged and counted and keeps its previous model; it never stops the
 * others. Too little history is not a failure: the lot is cold, with the forecaster's reason.
 */
import pino, { type Logger } from 'pino';
import { holidaysOf, systemClock, trainingSteps, type Clock, type ForecasterOptions, type LotConfig, type Model, type Sample, type TrainResult } from '../core/index.js';
import type { HistorySource } from '../storage/index.js';

const STEP_MS = 15 * 60_000;
/**
 * Training runs on the API's event loop in slices of about this long, with a turn of the loop
 * between them, so requests and live pushes wait at most a slice, not a whole lot's training
 * (about 0.1 s of CPU per lot on this shared machine under load; `npm run bench -- forecast`).
 */
const SLICE_MS = 10;

/** trainForecaster, giving the event loop a turn every SLICE_MS of work. */
export async function trainInSlices(samples: readonly Sample[], options: ForecasterOptions): Promise<TrainResult> {
  const steps = trainingSteps(samples, options);
  let sliceStart = performance.now();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
}

export type ModelState =
  | { state: 'ready'; model: Model; trainedAtMs: number }
  | { state: 'cold'; reason: string }
  | { state: 'pending'; reason: string };

export interface ForecastModelStats {
  ready: number;
  cold: number;
  pending: number;
  /** Refreshes that failed (history not readable, training threw), since start. */
  failures: number;
}

export interface ForecastModelsOptions {
  lots: readonly LotConfig[];
  history: HistorySource | null;
  clock?: Clock;
  /** How often each lot's model is retrained. */
  refreshMs?: number;
  /**
   * Lots without a model (cold, or whose refresh failed) are tried again this often: history may
   * arrive later (an import, or the embedded store loading its snapshot after the API started).
   */
  coldRetryMs?: number;
  /** How much history a model is trained on (the forecaster fits on the last 12 weeks; the profile uses it all). */
  historyDays?: number;
  logger?: Logger;
}

export interface ForecastModels {
  /** Starts training (in the background: never awaited by serving). */
  start(): void;
  /** Stops the schedule; resolves when a training in progress has finished. */
  stop(): Promise<void>;
  get(lotId: string): ModelState | undefined;
  /** Told after a lot's model was (re)trained or went cold; returns an unsubscribe. */
  onRefresh(listener: (lotId: string) => void): () => void;
  /** Retrains every lot now, one after another (tests; an operator after import-history). */
  refreshAll(): Promise<void>;
  stats(): ForecastModelStats;
}

/** The lot's stored history as forecaster samples: the state at the end of each 15-minute bucket; unknown (stale) buckets left out. */
export async function historySamples(history: HistorySource, lotId: string, fromMs: number, toMs: number): Promise<Sample[]> {
  const points = await history.history(lotId, fromMs, toMs, STEP_MS);
  return points
    .filter((p) => p.level !== 'unknown')
    .map((p) => ({ timeMs: Date.parse(p.t) + STEP_MS - 1, occupied: p.occupied, capacity: p.occupied + p.available }));
}

export function createForecastModels({
  lots,
  history,
  clock = systemClock,
  refreshMs = 3_600_000,
  coldRetryMs = 60_000,
  historyDays = 91,
  logger = pino({ level: 'silent' }),
}: ForecastModelsOptions): ForecastModels {
  const log = logger.child({ component: 'forecast' });
  const noHistory = 'no history store reachable from this API process (INFLUX_URL, or manku all with the embedded store)';
  const states = new Map<string, ModelState>(lots.map((l) => [l.id, { state: 'pending', reason: history ? 'the model is being trained' : noHistory }]));
  const listeners = new Set<(lotId: string) => void>();
  let failures = 0;
  let timer: NodeJS.Timeout | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let stopped = false;
  let next = 0;
  let work: Promise<void> = Promise.resolve();

  async function refresh(lot: LotConfig): Promise<void> {
    if (!history) return;
    const started = performance.now();
    const now = clock.now();
    try {
      const samples = await historySamples(history, lot.id, now - historyDays * 86_400_000, now);
      await new Promise((resolve) => setImmediate(resolve)); // reading the history was a slice of its own
      const trained = await trainInSlices(samples, {
        timeZone: lot.timeZone,
        holidays: holidaysOf(lot),
        capacity: lot.capacity,
        thresholds: lot.thresholds,
      });
      const before = states.get(lot.id)!;
      states.set(lot.id, trained.ok ? { state: 'ready', model: trained.model, trainedAtMs: now } : { state: 'cold', reason: trained.reason });
      const ms = Math.round(performance.now() - started);
      const changed = before.state !== (trained.ok ? 'ready' : 'cold');
      log[changed ? 'info' : 'debug'](
        { lotId: lot.id, state: trained.ok ? 'ready' : 'cold', samples: samples.length, ms, ...(trained.ok ? {} : { reason: trained.reason }) },
        trained.ok ? 'forecast model trained' : 'no forecast model for this lot yet',
      );
      for (const listener of listeners) listener(lot.id);
    } catch (err) {
      failures += 1;
      log.warn({ lotId: lot.id, err: (err as Error).message }, 'forecast model refresh failed; the previous model (if any) stays');
    }
  }

  function stats(): ForecastModelStats {
    const s: ForecastModelStats = { ready: 0, cold: 0, pending: 0, failures };
    for (const m of states.values()) s[m.state] += 1;
    return s;
  }

  /** One lot after another, each in its own turn of the event loop. */
  function enqueue(batch: readonly LotConfig[]): Promise<void> {
    work = work.then(async () => {
      for (const lot of batch) {
        if (stopped) return;
        await refresh(lot);
        await new Promise((r) => setImmediate(r));
      }
    });
    return work;
  }

  return {
    start() {
      if (timer || !history || lots.length === 0) return;
      stopped = false;
      log.info({ lots: lots.length, refreshS: refreshMs / 1000, historyDays }, 'training forecast models');
      void enqueue(lots).then(() => {
        const s = stats();
        if (!stopped) log.info({ ready: s.ready, cold: s.cold, failures: s.failures }, 'forecast models trained');
      });
      timer = setInterval(() => {
        const lot = lots[next++ % lots.length]!;
        void enqueue([lot]);
      }, Math.max(1000, refreshMs / lots.length));
      timer.unref();
      retryTimer = setInterval(() => {
        const waiting = lots.filter((l) => states.get(l.id)!.state !== 'ready');
        if (waiting.length) void enqueue(waiting);
      }, coldRetryMs);
      retryTimer.unref();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      if (retryTimer) clearInterval(retryTimer);
      timer = retryTimer = null;
      await work;
    },
    get: (lotId) => states.get(lotId),
    onRefresh(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    refreshAll: () => enqueue(lots),
    stats,
  };
}
