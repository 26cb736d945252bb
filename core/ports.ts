/** Interfaces the edges implement. The domain depends on these, never on a concrete adapter. */
import type { HistoryPoint } from './history.js';
import type { KnownLevel } from './levels.js';
import type { RestoredLot } from './lot-state.js';
import type { OutcomeKind, SensorState } from './occupancy.js';

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A sensor reading that moved its sensor's reference state. */
export interface ReadingPoint {
  measurement: 'sensor_reading';
  lotId: string;
  sensorId: string;
  /** Event time (epoch ms): the sensor's ts when within tolerance, else the receive time. */
  timeMs: number;
  /** Strictly increasing per lot over both measurements: the point with the highest is the latest state. */
  lotSeq: number;
  boot: number;
  seq: number;
  in: number;
  out: number;
  /** `reset`: not a reading but an admin's reset of the sensor's reference (the audit trail). */
  outcome: OutcomeKind | 'reset';
  /** The lot's raw count after this reading: restoring from the newest point is consistent. */
  occupiedRaw: number;
  /** Sensor clock minus receive time; the reading's own ts was not used when this is past tolerance. */
  skewMs: number;
}

/**
 * The sensor state a stored reading point stands for. After a reset the next reading becomes the
 * reference; until it comes the sensor counts as not heard from (a restart must not make it look fresh).
 */
export function sensorStateOf(p: Pick<ReadingPoint, 'boot' | 'seq' | 'in' | 'out' | 'timeMs' | 'outcome'>): SensorState {
  const state: SensorState = { boot: p.boot, seq: p.seq, in: p.in, out: p.out, lastSeenMs: p.timeMs };
  return p.outcome === 'reset' ? { ...state, lastSeenMs: 0, rebaseline: true } : state;
}

/** The lot's shown state after a change: the history series. */
export interface OccupancyPoint {
  measurement: 'lot_occupancy';
  lotId: string;
  timeMs: number;
  lotSeq: number;
  occupied: number;
  occupiedRaw: number;
  capacity: number;
  level: KnownLevel | 'unknown';
  stale: boolean;
}

/** An operator set the true count (calibration): an event, and the new baseline. */
export interface CalibrationPoint {
  measurement: 'lot_calibration';
  lotId: string;
  timeMs: number;
  lotSeq: number;
  requestId: string;
  occupied: number;
  /** The raw count just before. */
  previousRaw: number;
  occupiedRaw: number;
}

/**
 * A point is identified by its lot and lotSeq (its time is not unique: readings often share a
 * millisecond). Stores keep every point and treat a point whose lotSeq is not above the last one
 * of its lot as a rewrite: idempotent, not stored or counted again.
 */
export type StorePoint = ReadingPoint | OccupancyPoint | CalibrationPoint;

/** A lot's state as last stored, with the lotSeq to continue from. */
export type StoredLot = RestoredLot & { lastSeq: number };

export interface StoreStats {
  kind: 'influx' | 'embedded';
  /** writing: healthy; buffering: writes fail but points are kept; dropping: the buffer is full. */
  state: 'writing' | 'buffering' | 'dropping';
  /** Points accepted by write() and not yet durable. */
  buffered: number;
  /** Distinct points durably written (a rewrite of a point is not counted again). */
  written: number;
  /** Points dropped because the buffer overflowed (oldest first) or the server refused them. */
  dropped: number;
  /** Last write error, cleared by a successful write. */
  lastError: string | null;
}

/** Where the API reads history from: InfluxDB, or the embedded store in the same process. */
export interface HistorySource {
  readonly kind: 'influx' | 'embedded';
  history(lotId: string, fromMs: number, toMs: number, stepMs: number): Promise<HistoryPoint[]>;
}

export interface OccupancyStore {
  readonly kind: 'influx' | 'embedded';
  /** Human-readable target, for logs (no secrets). */
  readonly description: string;
  start(): Promise<void>;
  /** The last stored state of each lot that has one. */
  restore(lotIds: readonly string[]): Promise<Map<string, StoredLot>>;
  /** Queues points in lotSeq order per lot; never blocks and never throws for a store outage. */
  write(points: readonly StorePoint[]): void;
  /** Resolves when everything queued so far is durable (or has been given up). */
  flush(): Promise<void>;
  stop(): Promise<void>;
  stats(): StoreStats;
}
