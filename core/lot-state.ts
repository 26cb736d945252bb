/**
 * The state of one lot: sensors' reference readings, the raw count, the level with hysteresis,
 * and staleness. Pure: every time is passed in.
 */
import { labelOf, zoneOffsetMs, type CounterMessage, type LotStatus } from '../protocol/index.js';
import { nextLevel, type KnownLevel } from './levels.js';
import type { LotConfig } from './lots.js';
import { applyReading, clampOccupied, isAccepted, type ReadingOutcome, type SensorState } from './occupancy.js';
import { createMovementLog, nextTrend } from './trend.js';

/** What a store gives back on start so that a restart neither loses nor double-counts. */
export interface RestoredLot {
  /** Calibration baseline plus every applied delta, unclamped. */
  occupiedRaw: number;
  sensors: Record<string, SensorState>;
  /**
   * The level before the restart: within the hysteresis band it depends on how the lot got there
   * (78 % is 混 from above, 空 from below), so without it a restart may flip the level. Absent: as
   * if first seen.
   */
  level?: KnownLevel;
}

export interface ApplyResult {
  outcome: ReadingOutcome;
  /** The raw count after the reading, when it left [0, capacity] (drift): shown clamped. */
  drift: number | null;
}

export interface LotState {
  readonly lot: LotConfig;
  /** Applies one validated reading from one of this lot's sensors. */
  apply(sensorId: string, reading: CounterMessage, receivedAtMs: number): ApplyResult;
  /** Sets the true count now (calibration); 0..capacity, else RangeError. */
  calibrate(occupied: number): void;
  /**
   * Forgets a sensor's reference (boot, seq, in, out): its next reading becomes the reference and
   * changes no count. For a sensor locked out by a bad boot number. Returns the state it had.
   */
  resetSensor(sensorId: string): SensorState | null;
  /** The status as of `nowMs` (staleness depends on time). */
  status(nowMs: number): LotStatus;
  readonly occupiedRaw: number;
  /** Sensors heard within the stale window. */
  onlineSensors(nowMs: number): number;
  /** When this sensor's last reading was received (0: never heard from); null for a sensor with no state. */
  lastSeenMs(sensorId: string): number | null;
  snapshot(): RestoredLot;
}

/**
 * @example const lot = createLotState(config); lot.apply('gate-1', msg, Date.now()); lot.status(Date.now())
 */
export function createLotState(lot: LotConfig, restored?: RestoredLot): LotState {
  const known = new Set(lot.sensors.map((s) => s.id));
  const sensors = new Map<string, SensorState>();
  let occupiedRaw = restored?.occupiedRaw ?? 0;
  for (const [id, state] of Object.entries(restored?.sensors ?? {})) if (known.has(id)) sensors.set(id, { ...state });
  let level: KnownLevel = nextLevel(restored?.level ?? null, percentOf(occupiedRaw), lot.thresholds);
  let lastObservedMs: number | null = null;
  // The trend (core/trend.ts): the count over the last window, and the trend last shown (for hysteresis).
  const movement = createMovementLog();
  let trend: LotStatus['trend'] | null = null;
  // lastSeenMs 0: never heard from (a sensor reset before its first reading), not an observation.
  for (const s of sensors.values()) if (s.lastSeenMs > 0) lastObservedMs = Math.max(lastObservedMs ?? 0, s.lastSeenMs);

  function percentOf(raw: number): number {
    return (clampOccupied(raw, lot.capacity) / lot.capacity) * 100;
  }

  function setRaw(raw: number): number | null {
    occupiedRaw = raw;
    level = nextLevel(level, percentOf(raw), lot.thresholds);
    return raw < 0 || raw > lot.capacity ? raw : null;
  }

  function onlineSensors(nowMs: number): number {
    const windowMs = lot.staleAfterS * 1000;
    let online = 0;
    for (const id of known) {
      const s = sensors.get(id);
      if (s && nowMs - s.lastSeenMs <= windowMs) online += 1;
    }
    return online;
  }

  const isStale = (nowMs: number) => onlineSensors(nowMs) < known.size;

  return {
    lot,
    get occupiedRaw() {
      return occupiedRaw;
    },
    apply(sensorId, reading, receivedAtMs) {
      if (!known.has(sensorId)) throw new Error(`sensor ${sensorId} is not in lot ${lot.id}`);
      const { state, outcome } = applyReading(sensors.get(sensorId), reading, receivedAtMs);
      if (!isAccepted(outcome) || !state) return { outcome, drift: null };
      sensors.set(sensorId, state);
      lastObservedMs = Math.max(lastObservedMs ?? 0, receivedAtMs);
      const drift = outcome.delta === 0 ? null : setRaw(occupiedRaw + outcome.delta);
      movement.record(receivedAtMs, clampOccupied(occupiedRaw, lot.capacity));
      return { outcome, drift };
    },
    onlineSensors,
    resetSensor(sensorId) {
      if (!known.has(sensorId)) throw new Error(`sensor ${sensorId} is not in lot ${lot.id}`);
      const previous = sensors.get(sensorId) ?? null;
      sensors.set(sensorId, { boot: 0, seq: 0, in: 0, out: 0, lastSeenMs: previous?.lastSeenMs ?? 0, rebaseline: true });
      return previous;
    },
    calibrate(occupied) {
      if (!Number.isInteger(occupied) || occupied < 0 || occupied > lot.capacity) {
        throw new RangeError(`occupied must be an integer from 0 to ${lot.capacity}`);
      }
      setRaw(occupied);
      movement.clear(); // a correction, not vehicles moving: the trend starts afresh
      trend = null;
    },
    status(nowMs) {
      const occupied = clampOccupied(occupiedRaw, lot.capacity);
      const stale = isStale(nowMs);
      const shown = stale ? 'unknown' : level;
      const change = stale ? null : movement.changeOver(nowMs);
      trend = change === null ? null : nextTrend(trend ?? null, change, lot.capacity);
      return {
        lotId: lot.id,
        name: lot.name,
        capacity: lot.capacity,
        occupied,
        available: lot.capacity - occupied,
        occupancy: occupied / lot.capacity,
        level: shown,
        label: labelOf(shown),
        observedAt: lastObservedMs === null ? null : new Date(lastObservedMs).toISOString(),
        stale,
        timeZone: lot.timeZone,
        ...(lastObservedMs === null ? {} : { utcOffsetMin: Math.round(zoneOffsetMs(lot.timeZone, lastObservedMs) / 60_000) }),
        ...(trend ? { trend } : {}),
      };
    },
    lastSeenMs: (sensorId) => sensors.get(sensorId)?.lastSeenMs ?? null,
    snapshot() {
      return { occupiedRaw, level, sensors: Object.fromEntries([...sensors].map(([id, s]) => [id, { ...s }])) };
    },
  };
}
