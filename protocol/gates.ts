/**
 * Per-gate state: what ingest publishes (retained) on `manku/v1/lots/{lotId}/gates` for the API's
 * `GET /api/v1/lots/{lotId}/gates`, the operators' console and `/metrics` (issue 13, item 2).
 */
import { z } from 'zod';
import { Id } from './topics.js';

const count = z.int().nonnegative();

/** Outcomes of a gate's valid readings (core/occupancy.ts), each counted. */
export const GATE_OUTCOMES = ['applied', 'reboot', 'anomaly', 'duplicate', 'old-boot', 'baseline'] as const;
/** Why a message on a gate's own topic was rejected (the others name no known gate). */
export const GATE_REJECTIONS = ['oversize', 'json', 'schema'] as const;

export const GateState = z
  .object({
    sensorId: Id,
    /** Receive time of the gate's last reading that moved its state (what staleness is measured from); null: never heard. */
    lastSeenAt: z.iso.datetime().nullable(),
    /** Receive time of the gate's last message of any kind (a duplicate, a rejected one); null: none. */
    lastMessageAt: z.iso.datetime().nullable(),
    /** The reference reading: boot and seq of the last applied message (null: none yet). */
    boot: count.nullable(),
    seq: count.nullable(),
    /** Heard within the lot's staleAfterS, as of `at` (ingest) or of the answer (API). */
    online: z.boolean(),
    /** Messages that passed validation (every outcome below). */
    accepted: count,
    outcomes: z.record(z.string(), count),
    rejected: z.record(z.string(), count),
    /** Readings whose sensor clock was past the tolerance, and the last reading's sensor-minus-receive time. */
    clockSkewed: count,
    lastSkewMs: z.int().nullable(),
  })
  .meta({ id: 'GateState', description: "One gate sensor's state; counters since ingest started." });
export type GateState = z.infer<typeof GateState>;

export const LotGates = z
  .object({
    lotId: Id,
    /** When ingest took this state (ISO 8601); null: ingest has not reported the lot yet. */
    at: z.iso.datetime().nullable(),
    staleAfterS: z.int().positive(),
    capacity: z.int().positive(),
    /** The lot's count before clamping: outside 0..capacity is drift (calibrate the lot). */
    occupiedRaw: z.int().nullable(),
    drift: z.boolean(),
    gates: z.array(GateState),
  })
  .meta({ id: 'LotGates', description: "A lot's gates, silent ones first." });
export type LotGates = z.infer<typeof LotGates>;

/** Silent gates first, then by id: the order operators read them in. */
export function silentFirst(gates: readonly GateState[]): GateState[] {
  return [...gates].sort((a, b) => Number(a.online) - Number(b.online) || a.sensorId.localeCompare(b.sensorId));
}

/** Whether a gate last seen at `lastSeenMs` (null: never) is online at `nowMs` for a lot with this stale window. */
export const gateOnline = (lastSeenMs: number | null, nowMs: number, staleAfterS: number) =>
  lastSeenMs !== null && lastSeenMs > 0 && nowMs - lastSeenMs <= staleAfterS * 1000;
