/**
 * One counter message, as a list of small steps:
 * topic -> lot/sensor -> payload (size, JSON, schema) -> apply -> store.
 * A message rejected at any step is counted by reason and never changes a count.
 * Publishing status is the caller's: it learns which lots changed from `onChange`.
 */
import pino, { type Logger } from 'pino';
import {
  parseCounterPayload,
  parseCounterTopic,
  type CalibrationCommand,
  type LotCommand,
  type SensorResetCommand,
  type CalibrationResult,
  type CounterMessage,
  type CounterRejection,
  type LotStatus,
} from '../protocol/index.js';
import {
  createLotCounter,
  createRateGate,
  isAccepted,
  type Clock,
  type LotCounter,
  type LotsFile,
  OUTCOME_KINDS,
  type OutcomeKind,
} from '../core/index.js';
import type { StoredLot, StorePoint } from '../storage/index.js';

export type RejectReason = CounterRejection | 'topic' | 'unknown-lot' | 'unknown-sensor';
export const REJECT_REASONS: readonly RejectReason[] = ['topic', 'unknown-lot', 'unknown-sensor', 'oversize', 'json', 'schema'];

export type HandleResult =
  | { ok: false; reason: RejectReason; detail: string }
  | { ok: true; lotId: string; sensorId: string; outcome: OutcomeKind };

export interface PipelineStats {
  accepted: number;
  rejected: Record<RejectReason, number>;
  outcomes: Record<OutcomeKind, number>;
  /** Readings whose sensor clock was past tolerance: stored at receive time instead. */
  clockSkewed: number;
  /** Readings after which the raw count left [0, capacity]. */
  drift: number;
  calibrations: number;
  /** Calibration commands that arrived after their deadline and were refused. */
  calibrationsExpired: number;
  /** Sensor references reset by an admin. */
  sensorResets: number;
}

/** Every counter message the pipeline has taken, accepted or rejected. */
export function messagesTaken(stats: Pick<PipelineStats, 'accepted' | 'rejected'>): number {
  return stats.accepted + Object.values(stats.rejected).reduce((a, b) => a + b, 0);
}

export interface PipelineOptions {
  lots: LotsFile;
  clock: Clock;
  /** Where accepted readings go; called synchronously, in order. */
  store: { write(points: readonly StorePoint[]): void };
  /** A sensor ts further than this from the receive time is not trusted for storage. */
  skewToleranceMs?: number;
  onChange?: (lotId: string) => void;
  logger?: Logger;
}

export interface Pipeline {
  restore(restored: ReadonlyMap<string, StoredLot>): void;
  handle(topic: string, payload: Uint8Array): HandleResult;
  /**
   * An admin's command from the API: set the lot's true count now (stored as an event and the new
   * baseline), or reset one sensor's reference. Refused once past its deadline.
   */
  command(lotId: string, command: LotCommand): CalibrationResult;
  status(lotId: string): LotStatus | null;
  readonly lotIds: readonly string[];
  counter(lotId: string): LotCounter | undefined;
  /** The next lotSeq for a point of this lot. */
  nextSeq(lotId: string): number;
  stats(): PipelineStats;
}

const zeroes = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export function createPipeline({
  lots,
  clock,
  store,
  skewToleranceMs = 300_000,
  onChange = () => {},
  logger = pino({ level: 'silent' }),
}: PipelineOptions): Pipeline {
  const log = logger.child({ component: 'ingest' });
  const counters = new Map<string, LotCounter>(lots.lots.map((l) => [l.id, createLotCounter(l)]));
  const lastSeq = new Map<string, number>();
  const sensorsOf = new Map(lots.lots.map((l) => [l.id, new Set(l.sensors.map((s) => s.id))]));
  const gate = createRateGate({ perWindow: 10 });
  const stats: PipelineStats = {
    accepted: 0,
    rejected: zeroes(REJECT_REASONS),
    outcomes: zeroes(OUTCOME_KINDS),
    clockSkewed: 0,
    drift: 0,
    calibrations: 0,
    calibrationsExpired: 0,
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

  function calibrate(lotId: string, counter: LotCounter, { requestId, occupied }: CalibrationCommand, now: number): CalibrationResult {
    if (occupied > counter.lot.capacity) {
      return { requestId, ok: false, error: `occupied must be from 0 to the capacity, ${counter.lot.capacity}` };
    }
    const previous = counter.occupiedRaw;
    counter.calibrate(occupied);
    stats.calibrations += 1;
    store.write([
      { measurement: 'lot_calibration', lotId, timeMs: now, lotSeq: nextSeq(lotId), requestId, occupied, previousRaw: previous, occupiedRaw: occupied },
    ]);
    log.info({ lotId, occupied, previous, requestId }, 'lot calibrated');
    onChange(lotId);
    return { requestId, ok: true, occupied, previous };
  }

  /** Stored as a `reset` reading point, so the reset survives a restart and stays in the audit trail. */
  function resetSensor(lotId: string, counter: LotCounter, { requestId, resetSensor: sensorId }: SensorResetCommand, now: number): CalibrationResult {
    if (!sensorsOf.get(lotId)!.has(sensorId)) return { requestId, ok: false, error: `sensor ${sensorId} is not a sensor of lot ${lotId}` };
    const before = counter.resetSensor(sensorId);
    const previous = before ? { boot: before.boot, seq: before.seq, in: before.in, out: before.out } : null;
    stats.sensorResets += 1;
    store.write([
      { measurement: 'sensor_reading', lotId, sensorId, timeMs: now, lotSeq: nextSeq(lotId), boot: 0, seq: 0, in: 0, out: 0, outcome: 'reset', occupiedRaw: counter.occupiedRaw, skewMs: 0 },
    ]);
    log.warn({ lotId, sensorId, previous, requestId }, 'sensor reference reset by an admin; its next reading becomes the reference');
    onChange(lotId);
    return { requestId, ok: true, sensorId, previous };
  }

  function apply(lotId: string, sensorId: string, counter: LotCounter, msg: CounterMessage, now: number): HandleResult {
    const { outcome, drift } = counter.apply(sensorId, msg, now);
    stats.outcomes[outcome.kind] += 1;
    if (outcome.kind === 'anomaly') {
      rateLimited(`anomaly:${sensorId}`, now, () => log.warn({ lotId, sensorId, detail: outcome.detail }, 'counter anomaly'));
    }
    if (drift !== null) {
      stats.drift += 1;
      rateLimited(`drift:${lotId}`, now, () =>
        log.warn({ lotId, occupiedRaw: drift, capacity: counter.lot.capacity }, 'count drifted outside 0..capacity; shown clamped, calibrate the lot'),
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
        occupiedRaw: counter.occupiedRaw,
        skewMs,
      },
    ]);
    onChange(lotId);
    return { ok: true, lotId, sensorId, outcome: outcome.kind };
  }

  return {
    lotIds: [...counters.keys()],
    restore(restored) {
      for (const [lotId, state] of restored) {
        const lot = lots.lots.find((l) => l.id === lotId);
        if (!lot) continue;
        // A sensor clock ahead of ours must not keep a silent gate looking fresh after a restart.
        const now = clock.now();
        const sensors = Object.fromEntries(Object.entries(state.sensors).map(([id, s]) => [id, { ...s, lastSeenMs: Math.min(s.lastSeenMs, now) }]));
        counters.set(lotId, createLotCounter(lot, { occupiedRaw: state.occupiedRaw, sensors }));
        lastSeq.set(lotId, state.lastSeq);
        log.info({ lotId, occupiedRaw: state.occupiedRaw, sensors: Object.keys(state.sensors).length }, 'lot state restored');
      }
    },
    handle(topic, payload) {
      const now = clock.now();
      const t = parseCounterTopic(topic);
      if (!t) return reject('topic', topic, 'not a parking/v1/{lotId}/{sensorId}/counter topic', now);
      const counter = counters.get(t.lotId);
      if (!counter) return reject('unknown-lot', topic, `lot ${t.lotId} is not in the lots file`, now);
      if (!sensorsOf.get(t.lotId)!.has(t.sensorId)) {
        return reject('unknown-sensor', topic, `sensor ${t.sensorId} is not a sensor of lot ${t.lotId}`, now);
      }
      const parsed = parseCounterPayload(payload);
      if (!parsed.ok) return reject(parsed.reason, topic, parsed.detail, now);
      stats.accepted += 1;
      return apply(t.lotId, t.sensorId, counter, parsed.message, now);
    },
    command(lotId, cmd) {
      const now = clock.now();
      const { requestId, expiresAt } = cmd;
      if (now > expiresAt) {
        // The API has answered 504 (or is about to): applying it now could overwrite a newer true count.
        stats.calibrationsExpired += 1;
        log.warn({ lotId, command: cmd, lateByMs: now - expiresAt }, 'expired calibration command refused');
        return { requestId, ok: false, error: `expired ${now - expiresAt} ms ago; send it again` };
      }
      const counter = counters.get(lotId);
      if (!counter) return { requestId, ok: false, error: `lot ${lotId} is not in this ingest's lots file` };
      return 'occupied' in cmd ? calibrate(lotId, counter, cmd, now) : resetSensor(lotId, counter, cmd, now);
    },
    status: (lotId) => counters.get(lotId)?.status(clock.now()) ?? null,
    counter: (lotId) => counters.get(lotId),
    nextSeq,
    stats: () => structuredClone(stats),
  };
}
