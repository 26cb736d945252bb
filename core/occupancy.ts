/**
 * Counting vehicles from cumulative gate counters.
 *
 * Each sensor reports, per boot, cumulative `in`/`out` and a `seq`. Per sensor we keep the last
 * applied (boot, seq, in, out); a reading moves the lot's count only by what it adds beyond that,
 * so duplicates and lost messages cost nothing. See docs/protocol.md, "Counting rules".
 */
import type { CounterMessage } from '../protocol/index.js';

export interface SensorState {
  boot: number;
  seq: number;
  in: number;
  out: number;
  /** Receive time (epoch ms) of the last reading that moved this state. */
  lastSeenMs: number;
  /** An admin reset this reference: the next reading becomes the reference, nothing applied. */
  rebaseline?: boolean;
}

export type ReadingOutcome =
  /** Same boot, later seq: (in - lastIn) - (out - lastOut) applied. */
  | { kind: 'applied'; delta: number }
  /** A boot after the last one (or the first reading ever seen): that boot's in - out applied in full. */
  | { kind: 'reboot'; delta: number }
  /** Same boot, later seq, but a counter went down: taken as the new reference, nothing applied. */
  | { kind: 'anomaly'; delta: 0; detail: string }
  /** (boot, seq) not after the last applied one: a duplicate or late delivery, ignored. */
  | { kind: 'duplicate'; delta: 0 }
  /** A boot before the last one: ignored. */
  | { kind: 'old-boot'; delta: 0 }
  /** The first reading after an admin reset of the sensor's reference: taken as it, nothing applied. */
  | { kind: 'baseline'; delta: 0 };

export type OutcomeKind = ReadingOutcome['kind'];
export const OUTCOME_KINDS: readonly OutcomeKind[] = ['applied', 'reboot', 'anomaly', 'duplicate', 'old-boot', 'baseline'];

/** True when the outcome moved the sensor's reference state (and so is stored). */
export function isAccepted(outcome: ReadingOutcome): boolean {
  return outcome.kind === 'applied' || outcome.kind === 'reboot' || outcome.kind === 'anomaly' || outcome.kind === 'baseline';
}

/**
 * The rule for one reading against the sensor's previous state (undefined: never seen).
 * @example applyReading({ boot: 1, seq: 1, in: 5, out: 1, lastSeenMs: 0 }, { boot: 1, seq: 2, ts: 0, in: 6, out: 1 }, 10)
 *          // { state: { boot: 1, seq: 2, in: 6, out: 1, lastSeenMs: 10 }, outcome: { kind: 'applied', delta: 1 } }
 */
export function applyReading(
  previous: SensorState | undefined,
  reading: CounterMessage,
  receivedAtMs: number,
): { state: SensorState | undefined; outcome: ReadingOutcome } {
  const next: SensorState = { boot: reading.boot, seq: reading.seq, in: reading.in, out: reading.out, lastSeenMs: receivedAtMs };
  if (previous?.rebaseline) return { state: next, outcome: { kind: 'baseline', delta: 0 } };
  if (previous === undefined || reading.boot > previous.boot) {
    return { state: next, outcome: { kind: 'reboot', delta: reading.in - reading.out } };
  }
  if (reading.boot < previous.boot) return { state: previous, outcome: { kind: 'old-boot', delta: 0 } };
  if (reading.seq <= previous.seq) return { state: previous, outcome: { kind: 'duplicate', delta: 0 } };
  const dIn = reading.in - previous.in;
  const dOut = reading.out - previous.out;
  if (dIn < 0 || dOut < 0) {
    const detail = `counter went down within boot ${reading.boot}: in ${previous.in}->${reading.in}, out ${previous.out}->${reading.out}`;
    return { state: next, outcome: { kind: 'anomaly', delta: 0, detail } };
  }
  return { state: next, outcome: { kind: 'applied', delta: dIn - dOut } };
}

/** Clamps the raw count into what can be shown. */
export function clampOccupied(raw: number, capacity: number): number {
  return Math.min(capacity, Math.max(0, raw));
}
