/**
 * Statuses with their forecast: wraps the status feed so that every status served (REST, live
 * WebSocket) carries `forecast` (30 and 60 minutes ahead) when the lot's model is ready and the
 * lot is not stale. The forecast is made once per change (a new status, a retrained model, or
 * every `reissueMs` so its times stay ahead) and the enriched status is what listeners hear, so
 * the live hub still encodes each change once.
 */
import { forecast, TODAY_MIN, todaySteps, type Clock, type ForecastPoint } from '../core/index.js';
import { createMovementLog, systemClock } from '../core/index.js';
import type { LiveForecast, LotStatus } from '../protocol/index.js';
import type { ForecastModels } from './forecast-models.js';
import type { StatusFeed, StatusListener } from './status-feed.js';

/** The horizons a live status carries (contract with the widget). */
export const LIVE_HORIZONS_MIN = [30, 60] as const;
/** How far back each lot's counts are kept: the forecast uses today's counts over the last TODAY_MIN minutes. */
const MOVEMENT_WINDOW_MS = TODAY_MIN * 60_000;

export type ForecastResult =
  | { ok: true; issuedAtMs: number; points: ForecastPoint[]; skipped: { horizonMin: number; reason: string }[] }
  | { ok: false; reason: string };

export interface ForecastFeed extends Pick<StatusFeed, 'get' | 'all' | 'has' | 'onChange' | 'tick'> {
  /** A forecast for the lot now at these horizons (minutes), or why there is none; undefined for an unknown lot. */
  forecastNow(lotId: string, horizonsMin: readonly number[]): ForecastResult | undefined;
  /** Starts following the feed and the models. */
  start(): void;
  stop(): void;
}

export function createForecastFeed({
  feed,
  models,
  clock = systemClock,
  reissueMs = 5 * 60_000,
}: {
  feed: Pick<StatusFeed, 'get' | 'all' | 'has' | 'onChange' | 'tick'>;
  models: Pick<ForecastModels, 'get' | 'onRefresh'>;
  clock?: Clock;
  reissueMs?: number;
}): ForecastFeed {
  const cache = new Map<string, { base: LotStatus; shown: LotStatus; issuedAtMs: number }>();
  const movements = new Map<string, ReturnType<typeof createMovementLog>>();
  const listeners = new Set<StatusListener>();
  let unlisten: (() => void)[] = [];

  function forecastFor(status: LotStatus, horizonsMin: readonly number[], nowMs: number): ForecastResult {
    const m = models.get(status.lotId);
    if (!m || m.state !== 'ready') return { ok: false, reason: m?.reason ?? 'no model for this lot' };
    if (status.stale || status.level === 'unknown') return { ok: false, reason: 'the lot is stale (a gate is silent): there is no current count to forecast from' };
    const f = forecast(m.model, nowMs, { occupied: status.occupied, level: status.level, occupiedBefore: countsBefore(status.lotId, m.model.stepMs, nowMs) }, horizonsMin);
    return { ok: true, issuedAtMs: nowMs, points: f.points, skipped: f.skipped };
  }

  /** The lot's counts 1, 2, … model steps before now, as received (null before the first one kept: since start, or since it was stale). */
  function countsBefore(lotId: string, stepMs: number, nowMs: number): (number | null)[] {
    const log = movements.get(lotId);
    return Array.from({ length: todaySteps(stepMs) }, (_, i) => log?.countAt(nowMs - (i + 1) * stepMs) ?? null);
  }

  /** The status as served: with the live forecast when there is one. */
  function enrich(base: LotStatus, nowMs: number): { shown: LotStatus; issuedAtMs: number } {
    const f = forecastFor(base, LIVE_HORIZONS_MIN, nowMs);
    if (!f.ok || f.points.length === 0) return { shown: base, issuedAtMs: nowMs };
    const live: LiveForecast = {
      issuedAt: new Date(nowMs).toISOString(),
      points: f.points.map((p) => ({ inMin: p.horizonMin, at: p.at, occupied: p.occupied, available: p.available, level: p.level, low: p.low, high: p.high })),
    };
    return { shown: { ...base, forecast: live }, issuedAtMs: nowMs };
  }

  function current(lotId: string, { fresh = false } = {}): LotStatus | null {
    const base = feed.get(lotId);
    if (!base) return null;
    const now = clock.now();
    const hit = cache.get(lotId);
    if (!fresh && hit && hit.base === base && now - hit.issuedAtMs < reissueMs) return hit.shown;
    const { shown, issuedAtMs } = enrich(base, now);
    cache.set(lotId, { base, shown, issuedAtMs });
    return shown;
  }

  function announce(lotId: string) {
    const status = current(lotId, { fresh: true });
    if (status) for (const listener of listeners) listener(status);
  }

  function record(status: LotStatus) {
    if (status.stale) return movements.delete(status.lotId);
    let log = movements.get(status.lotId);
    if (!log) movements.set(status.lotId, (log = createMovementLog({ windowMs: MOVEMENT_WINDOW_MS })));
    log.record(Date.parse(status.observedAt ?? '') || clock.now(), status.occupied);
  }

  return {
    get: (lotId) => current(lotId),
    all: () => feed.all().map((s) => current(s.lotId) ?? s),
    has: (lotId) => feed.has(lotId),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    tick() {
      feed.tick();
      const now = clock.now();
      // Re-issue forecasts that have grown old, so their times stay ahead of now.
      for (const [lotId, hit] of cache) if (hit.shown.forecast && now - hit.issuedAtMs >= reissueMs) announce(lotId);
    },
    forecastNow(lotId, horizonsMin) {
      const status = feed.get(lotId);
      return status ? forecastFor(status, horizonsMin, clock.now()) : undefined;
    },
    start() {
      if (unlisten.length) return;
      unlisten = [
        feed.onChange((status) => {
          record(status);
          announce(status.lotId);
        }),
        models.onRefresh((lotId) => {
          // A lot that never had a forecast and still has none: nothing to tell.
          const hadForecast = Boolean(cache.get(lotId)?.shown.forecast);
          const status = current(lotId, { fresh: true });
          if (status && (hadForecast || status.forecast)) for (const listener of listeners) listener(status);
        }),
      ];
    },
    stop() {
      for (const u of unlisten) u();
      unlisten = [];
    },
  };
}
