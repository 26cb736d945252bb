/**
 * Service-to-service messages on the broker (not for sensors):
 * - `parking/v1/{lotId}/calibration`: api -> ingest, QoS 1: set the true count now.
 * - `parking/v1/{lotId}/calibration/result`: ingest -> api, QoS 1: the outcome.
 * - `manku/v1/ingest/{clientId}/health`: ingest -> api, QoS 1, retained: liveness and counters.
 * - `manku/v1/broker/{brokerId}/health`: the broker itself -> api, QoS 1, retained: its refusals.
 *   No account may publish it; the broker publishes it internally.
 */
import { z } from 'zod';
import { Id, isId, TOPIC_ROOT } from './topics.js';

export const CALIBRATION_FILTER = `${TOPIC_ROOT}/+/calibration`;
export const CALIBRATION_RESULT_FILTER = `${TOPIC_ROOT}/+/calibration/result`;
export const HEALTH_FILTER = 'manku/v1/ingest/+/health';
export const BROKER_HEALTH_FILTER = 'manku/v1/broker/+/health';

export const calibrationTopic = (lotId: string) => `${TOPIC_ROOT}/${lotId}/calibration`;
export const calibrationResultTopic = (lotId: string) => `${TOPIC_ROOT}/${lotId}/calibration/result`;
export const healthTopic = (clientId: string) => `manku/v1/ingest/${clientId}/health`;
/** @example brokerHealthTopic('manku-broker') // 'manku/v1/broker/manku-broker/health' */
export const brokerHealthTopic = (brokerId: string) => `manku/v1/broker/${brokerId}/health`;

function lotOf(topic: string, tail: string[]): string | null {
  const parts = topic.split('/');
  if (parts.length !== 3 + tail.length || parts[0] !== 'parking' || parts[1] !== 'v1') return null;
  if (!tail.every((t, i) => parts[3 + i] === t)) return null;
  return isId(parts[2] as string) ? (parts[2] as string) : null;
}
export const parseCalibrationTopic = (topic: string) => lotOf(topic, ['calibration']);
export const parseCalibrationResultTopic = (topic: string) => lotOf(topic, ['calibration', 'result']);
export function parseHealthTopic(topic: string): string | null {
  const parts = topic.split('/');
  return parts.length === 5 && parts[0] === 'manku' && parts[1] === 'v1' && parts[2] === 'ingest' && parts[4] === 'health'
    ? (parts[3] as string)
    : null;
}

/** The `{brokerId}` level of `manku/v1/broker/{brokerId}/health`, or null for another shape. */
function brokerIdLevel(topicOrFilter: string): string | null {
  const p = topicOrFilter.split('/');
  return p.length === 5 && p[0] === 'manku' && p[1] === 'v1' && p[2] === 'broker' && p[4] === 'health' ? (p[3] as string) : null;
}
/** The broker id of a concrete broker health topic; null when it is not one. */
export function parseBrokerHealthTopic(topic: string): string | null {
  const id = brokerIdLevel(topic);
  return id !== null && isId(id) ? id : null;
}
/** Broker health filters: `manku/v1/broker/{brokerId|+}/health`. */
export function isBrokerHealthFilter(filter: string): boolean {
  const id = brokerIdLevel(filter);
  return id !== null && (id === '+' || isId(id));
}

const command = {
  requestId: z.string().min(1).max(64),
  /**
   * Epoch ms after which ingest must not apply the command (its own clock). The API answers 504
   * only after this has passed, so a command it gave up on can never land later over a newer count.
   */
  expiresAt: z.int().positive(),
};

/** Set the lot's true count now. */
export const CalibrationCommand = z.strictObject({ ...command, occupied: z.int().nonnegative() });
export type CalibrationCommand = z.infer<typeof CalibrationCommand>;

/** Forget one sensor's reference: its next reading becomes the reference and changes no count. */
export const SensorResetCommand = z.strictObject({ ...command, resetSensor: Id });
export type SensorResetCommand = z.infer<typeof SensorResetCommand>;

/** What the API asks of ingest on `parking/v1/{lotId}/calibration`. */
export const LotCommand = z.union([CalibrationCommand, SensorResetCommand]);
export type LotCommand = z.infer<typeof LotCommand>;

/** A sensor's reference reading. */
export const SensorReference = z.strictObject({ boot: z.int().nonnegative(), seq: z.int().nonnegative(), in: z.int().nonnegative(), out: z.int().nonnegative() });
export type SensorReference = z.infer<typeof SensorReference>;

export const CalibrationResult = z.union([
  z.strictObject({ requestId: z.string(), ok: z.literal(true), occupied: z.int().nonnegative(), previous: z.int() }),
  z.strictObject({ requestId: z.string(), ok: z.literal(true), sensorId: Id, previous: SensorReference.nullable() }),
  z.strictObject({ requestId: z.string(), ok: z.literal(false), error: z.string() }),
]);
export type CalibrationResult = z.infer<typeof CalibrationResult>;

const counter = z.int().nonnegative();

export const IngestHealth = z.object({
  clientId: z.string(),
  running: z.boolean(),
  /** When ingest sent this (ISO 8601); absent in the last-will message. */
  at: z.iso.datetime().optional(),
  lots: z.array(Id).optional(),
  store: z
    .object({
      kind: z.enum(['influx', 'embedded']),
      /** writing: no error; buffering: the store is failing but points are kept; dropping: the buffer is full. */
      state: z.enum(['writing', 'buffering', 'dropping']),
      buffered: counter,
      written: counter,
      dropped: counter,
      lastError: z.string().nullable(),
    })
    .optional(),
  messages: z
    .object({
      accepted: counter,
      rejected: z.record(z.string(), counter),
      outcomes: z.record(z.string(), counter),
      clockSkewed: counter,
      drift: counter,
      calibrations: counter,
      /** Calibration commands that arrived after their deadline and were refused. */
      calibrationsExpired: counter.optional(),
      /** Sensor references reset by an admin. */
      sensorResets: counter.optional(),
    })
    .optional(),
  /** Sensors heard within the lot's stale window, per lot. */
  sensorsOnline: z.record(z.string(), z.object({ online: counter, total: counter })).optional(),
});
export type IngestHealth = z.infer<typeof IngestHealth>;

/**
 * Why the broker refused a client, a fixed set (it becomes a metric label):
 * - anonymous, bad-credentials: CONNECT without credentials, or with wrong ones;
 * - publish-denied, subscribe-denied: the ACL said no;
 * - oversize: a payload over the limit for its topic;
 * - protocol-error: not MQTT 3.1.1 (garbage, a packet before CONNECT, a malformed packet, MQTT 5);
 * - connect-timeout: a connection that sent no CONNECT in time.
 */
export const BROKER_REFUSAL_KINDS = [
  'anonymous',
  'bad-credentials',
  'publish-denied',
  'subscribe-denied',
  'oversize',
  'protocol-error',
  'connect-timeout',
  /** A sensor connected before any ingest subscribed to its counter topic (it retries). */
  'ingest-not-ready',
] as const;
export const BrokerRefusalKind = z.enum(BROKER_REFUSAL_KINDS);
export type BrokerRefusalKind = z.infer<typeof BrokerRefusalKind>;

export const BrokerHealth = z.object({
  brokerId: Id,
  /** When the broker sent this (ISO 8601). */
  at: z.iso.datetime(),
  /** Connected MQTT clients. */
  clients: counter,
  /** Refusals since the broker started, every kind present. */
  refusals: z.record(BrokerRefusalKind, counter),
});
export type BrokerHealth = z.infer<typeof BrokerHealth>;
