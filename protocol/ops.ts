/**
 * Payloads of the service-to-service topics (not for sensors; the topics are in topics.ts):
 * - calibration: api -> ingest: set the true count now, or reset a sensor's reference;
 * - calibrationResult: ingest -> api: the outcome;
 * - ingestHealth: ingest -> api: liveness and counters;
 * - brokerHealth: the broker itself -> api: its refusals.
 */
import { z } from 'zod';
import { Id } from './topics.js';

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

/** What the API asks of ingest on a lot's calibration topic. */
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
  /** INGEST_PARTITION: the partition `k/N` of the lots this ingest owns ("1/1": all of them); also in its last will. */
  partition: z.string().regex(/^\d{1,4}\/\d{1,4}$/).optional(),
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
 * - oversize: a payload over the limit for its topic, or a packet whose fixed header announces
 *   more than the packet limit (refused before its body is read);
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
  /** MQTT over TLS: a handshake that failed (a client that does not trust our certificate, plain MQTT on the TLS port, too slow). */
  'tls-handshake',
  /** A client certificate not signed by MQTT_TLS_CA_FILE, whose CN is not the username, or missing from a sensor (MQTT_TLS_CLIENT_CERT=required). */
  'client-cert',
  /** A login from a locked-out username or address (too many failures; answered as a bad password). */
  'login-locked',
  /** A sensor's PUBLISH over its rate cap: acknowledged and dropped, the connection kept. */
  'rate-limited',
  /** A connection over the per-address cap, closed at accept. */
  'too-many-connections',
] as const;
export const BrokerRefusalKind = z.enum(BROKER_REFUSAL_KINDS);
export type BrokerRefusalKind = z.infer<typeof BrokerRefusalKind>;

export const BrokerHealth = z.object({
  brokerId: Id,
  /** When the broker sent this (ISO 8601). */
  at: z.iso.datetime(),
  /** Connected MQTT clients. */
  clients: counter,
  /**
   * Refusals since the broker started; the broker sends every kind it knows. Read tolerantly: a
   * broker one version apart (a rolling upgrade) may know kinds this reader does not, or lack some.
   */
  refusals: z.record(z.string().regex(/^[a-z][a-z-]{0,39}$/), counter),
});
export type BrokerHealth = z.infer<typeof BrokerHealth>;
