/**
 * The ledger: every lot's counting state (core's LotState), fed one counter message at a time as a
 * list of small steps: topic -> lot/sensor -> payload (size, JSON, schema) -> apply -> store.
 * A message rejected at any step is counted by reason and never changes a count. Admins' changes
 * (calibration, sensor reset) are entries too, stored like readings. Publishing status is the
 * caller's: it learns which lots changed from `onChange`.
 */
import pino, { type Logger } from 'pino';
import {
  parseCounterPayload,
  parseCounterTopic,
  TOPICS,
  type CalibrationCommand,
  type SensorResetCommand,
  type CalibrationResult,
  type CounterMessage,
  type CounterRejection,
  type LotStatus,
} from '../protocol/index.js';
import {
  createLotState,
  createRateGate,
  isAccepted,
  type Clock,
  type LotState,
  type LotsFile,
  OUTCOME_KINDS,
  type OutcomeKind,
} from '../core/index.js';
import type { StoredLot, StorePoint } from '../storage/index.js';

export type RejectReason = CounterRejection | 'topic' | 'unknown-lot' | 'unknown-sensor';
export const REJECT_REASONS: readonly RejectReason[] = ['topic', 'unknown-lot', 'unknown-sensor', 'oversize', 'json', 'schema'];

export type HandleResult =
  | { ok: false; reason: RejectReason; detail: string }
  | { ok: true; lotId: string; sensorId: string; outcome: OutcomeKind; /** Sensor ts minus receive time, for accepted readings. */ skewMs?: number; skewed?: boolean };

export interface LedgerStats {
  accepted: number;
  rejected: Record<RejectReason, number>;
  outcomes: Record<OutcomeKind, number>;
  /** Readings whose sensor clock was past tolerance: stored at receive time instead. */
  clockSkewed: number;
  /** Readings after which the raw count left [0, capacity]. */
  drift: number;
  calibrations: number;
  /** Sensor references reset by an admin. */
  sensorResets: number;
}

/** Every counter message the ledger has taken, accepted or rejected. */
export function messagesTaken(stats: Pick<LedgerStats, 'accepted' | 'rejected'>): number {
  return stats.accepted + Object.values(stats.rejected).reduce((a, b) => a + b, 0);
}

export interface LedgerOptions {
  lots: LotsFile;
  clock: Clock;
  /** Where accepted readings go; called synchronously, in order. */
  store: { write(points: readonly StorePoint[]): void };
  /** A sensor ts further than this from the receive time is not trusted for storage. */
  skewToleranceMs?: number;
  onChange?: (lotId: string) => void;
  logger?: Logger;
}

export interface Ledger {
  restore(restored: ReadonlyMap<string, StoredLot>): void;
  handle(topic: string, payload: Uint8Array): HandleResult;
  /** Sets a lot's true count now: stored as an event and as the new baseline. */
  calibrate(lotId: string, command: CalibrationCommand): CalibrationResult;
  /** Forgets one sensor's reference: its next reading becomes the reference (stored as a `reset` point). */
  resetSensor(lotId: string, command: SensorResetCommand): CalibrationResult;
  status(lotId: string): LotStatus | null;
  readonly lotIds: readonly string[];
  /** One lot's counting state. */
  lot(lotId: string): LotState | undefined;
  /** The next lotSeq for a point of this lot. */
  nextSeq(lotId: string): number;
  stats(): LedgerStats;
}

const zeroes = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export function createLedger({
  lots,
  clock,
  store,
  skewToleranceMs = 300_000,
  onChange = () => {},
  logger = pino({ level: 'silent' }),
}: LedgerOptions): Ledger {
  const log = logger.child({ component: 'ingest' });
  const states = new Map<string, LotState>(lots.lots.map((l) => [l.id, createLotState(l)]));
  const lastSeq = new Map<string, number>();
  const sensorsOf = new Map(lots.lots.map((l) => [l.id, new Set(l.sensors.map((s) => s.id))]));
  const gate = createRateGate({ perWindow: 10 });
  const stats: LedgerStats = {
    accepted: 0,
    rejected: zeroes(REJECT_REASONS),
    outcomes: zeroes(OUTCOME_KINDS),
    clockSkewed: 0,
    drift: 0,
    calibrations: 0,
    sensorResets: 0,
  };

  function rateLimited(key: string, now: number, emit: (suppressed: number) => void) {
    const { pass, suppressed } = gate.check(key, now);
    if (pass) emit(suppressed);
  }

  function reject(reason: RejectReason, topic: string, detail: string, now: number): HandleResult {
    stats.rejected[reason] += 1;
    rateLimited(`reject:${reason}`, now, (suppressed) =>
      log.warn({ reason, topic, detail, ...(suppressed ? { suppressedSimilar: suppressed } : {}) }, `counter message rejected: ${reason}`),
    );
    return { ok: false, reason, detail };
  }

  function nextSeq(lotId: string) {
    const seq = (lastSeq.get(lotId) ?? 0) + 1;
    lastSeq.set(lotId, seq);
    return seq;
  }

  function calibrate(lotId: string, state: LotState, { requestId, occupied }: CalibrationCommand, now: number): CalibrationResult {
    if (occupied > state.lot.capacity) {
      return { requestId, ok: false, error: `occupied must be from 0 to the capacity, ${state.lot.capacity}` };
    }
    const previous = state.occupiedRaw;
    state.calibrate(occupied);
    stats.calibrations += 1;
    store.write([
      { measurement: 'lot_calibration', lotId, timeMs: now, lotSeq: nextSeq(lotId), requestId, occupied, previousRaw: previous, occupiedRaw: occupied },
    ]);
    log.info({ lotId, occupied, previous, requestId }, 'lot calibrated');
    onChange(lotId);
    return { requestId, ok: true, occupied, previous };
  }

  const notHere = (requestId: string, lotId: string): CalibrationResult => ({ requestId, ok: false, error: `lot ${lotId} is not in this ingest's lots file` });

  /** Stored as a `reset` reading point, so the reset survives a restart and stays in the audit trail. */
  function resetSensor(lotId: string, state: LotState, { requestId, resetSensor: sensorId }: SensorResetCommand, now: number): CalibrationResult {
    if (!sensorsOf.get(lotId)!.has(sensorId)) return { requestId, ok: false, error: `sensor ${sensorId} is not a sensor of lot ${lotId}` };
    const before = state.resetSensor(sensorId);
    const previous = before ? { boot: before.boot, seq: before.seq, in: before.in, out: before.out } : null;
    stats.sensorResets += 1;
    store.write([
      { measurement: 'sensor_reading', lotId, sensorId, timeMs: now, lotSeq: nextSeq(lotId), boot: 0, seq: 0, in: 0, out: 0, outcome: 'reset', occupiedRaw: state.occupiedRaw, skewMs: 0 },
    ]);
    log.warn({ lotId, sensorId, previous, requestId }, 'sensor reference reset by an admin; its next reading becomes the reference');
    onChange(lotId);
    return { requestId, ok: true, sensorId, previous };
  }

  function apply(lotId: string, sensorId: string, state: LotState, msg: CounterMessage, now: number): HandleResult {
    const { outcome, drift } = state.apply(sensorId, msg, now);
    stats.outcomes[outcome.kind] += 1;
    if (outcome.kind === 'anomaly') {
      rateLimited(`anomaly:${sensorId}`, now, () => log.warn({ lotId, sensorId, detail: outcome.detail }, 'counter anomaly'));
    }
    if (drift !== null) {
      stats.drift += 1;
      rateLimited(`drift:${lotId}`, now, () =>
        log.warn({ lotId, occupiedRaw: drift, capacity: state.lot.capacity }, 'count drifted outside 0..capacity; shown clamped, calibrate the lot'),
      );
    }
    if (!isAccepted(outcome)) return { ok: true, lotId, sensorId, outcome: outcome.kind };
    const skewMs = msg.ts - now;
    const trusted = Math.abs(skewMs) <= skewToleranceMs;
    if (!trusted) {
      stats.clockSkewed += 1;
      rateLimited(`skew:${sensorId}`, now, () => log.warn({ lotId, sensorId, skewMs }, 'sensor clock is off; storing at receive time'));
    }
    store.write([
      {
        measurement: 'sensor_reading',
        lotId,
        sensorId,
        timeMs: trusted ? msg.ts : now,
        lotSeq: nextSeq(lotId),
        boot: msg.boot,
        seq: msg.seq,
        in: msg.in,
        out: msg.out,
        outcome: outcome.kind,
        occupiedRaw: state.occupiedRaw,
        skewMs,
      },
    ]);
    onChange(lotId);
    return { ok: true, lotId, sensorId, outcome: outcome.kind, skewMs, skewed: !trusted };
  }

  return {
    lotIds: [...states.keys()],
    restore(restored) {
      for (const [lotId, state] of restored) {
        const lot = lots.lots.find((l) => l.id === lotId);
        if (!lot) continue;
        // A sensor clock ahead of ours must not keep a silent gate looking fresh after a restart.
        const now = clock.now();
        const sensors = Object.fromEntries(Object.entries(state.sensors).map(([id, s]) => [id, { ...s, lastSeenMs: Math.min(s.lastSeenMs, now) }]));
        states.set(lotId, createLotState(lot, { occupiedRaw: state.occupiedRaw, sensors, ...(state.level ? { level: state.level } : {}) }));
        lastSeq.set(lotId, state.lastSeq);
        log.info({ lotId, occupiedRaw: state.occupiedRaw, sensors: Object.keys(state.sensors).length }, 'lot state restored');
      }
    },
    handle(topic, payload) {
      const now = clock.now();
      const t = parseCounterTopic(topic);
      if (!t) return reject('topic', topic, `not a ${TOPICS.counter.pattern} topic`, now);
      const state = states.get(t.lotId);
      if (!state) return reject('unknown-lot', topic, `lot ${t.lotId} is not in the lots file`, now);
      if (!sensorsOf.get(t.lotId)!.has(t.sensorId)) {
        return reject('unknown-sensor', topic, `sensor ${t.sensorId} is not a sensor of lot ${t.lotId}`, now);
      }
      const parsed = parseCounterPayload(payload);
      if (!parsed.ok) return reject(parsed.reason, topic, parsed.detail, now);
      stats.accepted += 1;
      return apply(t.lotId, t.sensorId, state, parsed.message, now);
    },
    calibrate(lotId, command) {
      const state = states.get(lotId);
      return state ? calibrate(lotId, state, command, clock.now()) : notHere(command.requestId, lotId);
    },
    resetSensor(lotId, command) {
      const state = states.get(lotId);
      return state ? resetSensor(lotId, state, command, clock.now()) : notHere(command.requestId, lotId);
    },
    status: (lotId) => states.get(lotId)?.status(clock.now()) ?? null,
    lot: (lotId) => states.get(lotId),
    nextSeq,
    stats: () => structuredClone(stats),
  };
}
