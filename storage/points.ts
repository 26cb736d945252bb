/**
 * What ingest stores, defined once: the three kinds of point, tagged by `measurement` (which is
 * also the InfluxDB measurement name). The embedded store's snapshot is built from these schemas.
 *
 * A point is identified by its lot and lotSeq (its time is not unique: readings often share a
 * millisecond). Stores keep every point and treat a point whose lotSeq is not above the last one
 * of its lot as a rewrite: idempotent, not stored or counted again.
 */
import { z } from 'zod';
import { Level } from '../protocol/index.js';
import { OUTCOME_KINDS, type SensorState } from '../core/index.js';

export const MEASUREMENT = {
  reading: 'sensor_reading',
  occupancy: 'lot_occupancy',
  calibration: 'lot_calibration',
} as const;

const count = z.int().nonnegative();
/** A reading's outcome, or `reset`: not a reading but an admin's reset of the sensor's reference (the audit trail). */
const StoredOutcome = z.enum(['reset', ...OUTCOME_KINDS]);

const pointBase = {
  lotId: z.string(),
  /** Event time (epoch ms); for a reading, the sensor's ts when within tolerance, else the receive time. */
  timeMs: z.number(),
  /** Strictly increasing per lot over every measurement: the point with the highest is the latest state. */
  lotSeq: z.int(),
};

/** A sensor reading that moved its sensor's reference state. */
export const ReadingPoint = z.object({
  measurement: z.literal(MEASUREMENT.reading),
  ...pointBase,
  sensorId: z.string(),
  boot: count,
  seq: count,
  in: count,
  out: count,
  outcome: StoredOutcome,
  /** The lot's raw count after this reading: restoring from the newest point is consistent. */
  occupiedRaw: z.int(),
  /** Sensor clock minus receive time; the reading's own ts was not used when this is past tolerance. */
  skewMs: z.number(),
});
export type ReadingPoint = z.infer<typeof ReadingPoint>;

/** The lot's shown state after a change: the history series. */
export const OccupancyPoint = z.object({
  measurement: z.literal(MEASUREMENT.occupancy),
  ...pointBase,
  occupied: count,
  occupiedRaw: z.int(),
  capacity: z.int(),
  level: Level,
  stale: z.boolean(),
});
export type OccupancyPoint = z.infer<typeof OccupancyPoint>;

/** An operator set the true count (calibration): an event, and the new baseline. */
export const CalibrationPoint = z.object({
  measurement: z.literal(MEASUREMENT.calibration),
  ...pointBase,
  requestId: z.string(),
  occupied: count,
  /** The raw count just before. */
  previousRaw: z.int(),
  occupiedRaw: z.int(),
});
export type CalibrationPoint = z.infer<typeof CalibrationPoint>;

export const StorePoint = z.discriminatedUnion('measurement', [ReadingPoint, OccupancyPoint, CalibrationPoint]);
export type StorePoint = z.infer<typeof StorePoint>;

/**
 * The sensor state a stored reading point stands for. After a reset the next reading becomes the
 * reference; until it comes the sensor counts as not heard from (a restart must not make it look fresh).
 * @example sensorStateOf({ boot: 1, seq: 7, in: 9, out: 2, timeMs: 5000, outcome: 'applied' }) // { boot: 1, seq: 7, in: 9, out: 2, lastSeenMs: 5000 }
 */
export function sensorStateOf(p: Pick<ReadingPoint, 'boot' | 'seq' | 'in' | 'out' | 'timeMs' | 'outcome'>): SensorState {
  const state: SensorState = { boot: p.boot, seq: p.seq, in: p.in, out: p.out, lastSeenMs: p.timeMs };
  return p.outcome === 'reset' ? { ...state, lastSeenMs: 0, rebaseline: true } : state;
}
