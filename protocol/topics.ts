/**
 * MQTT topic contract (MQTT 3.1.1).
 *
 * - `parking/v1/{lotId}/{sensorId}/counter`: sensor -> broker, QoS 1, not retained.
 * - `parking/v1/{lotId}/status`: ingest -> broker, QoS 1, retained LotStatus.
 */
import { z } from 'zod';

export const TOPIC_ROOT = 'parking/v1';

/** Lot and sensor ids: lower-case letters, digits and '-', 1 to 64 characters. */
export const ID_PATTERN = /^[a-z0-9-]{1,64}$/;
export const Id = z.string().regex(ID_PATTERN, 'must match [a-z0-9-]{1,64}');

/** Filter matching every sensor's counter topic. */
export const COUNTER_FILTER = `${TOPIC_ROOT}/+/+/counter`;
/** Filter matching every lot's status topic. */
export const STATUS_FILTER = `${TOPIC_ROOT}/+/status`;

export function isId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** @example counterTopic('demo-hospital', 'demo-gate-1') // 'parking/v1/demo-hospital/demo-gate-1/counter' */
export function counterTopic(lotId: string, sensorId: string): string {
  return `${TOPIC_ROOT}/${lotId}/${sensorId}/counter`;
}

/** @example statusTopic('demo-hospital') // 'parking/v1/demo-hospital/status' */
export function statusTopic(lotId: string): string {
  return `${TOPIC_ROOT}/${lotId}/status`;
}

export interface CounterTopic {
  lotId: string;
  sensorId: string;
}

/** Parses a concrete counter topic; null when it is not one (wrong shape or bad ids). */
export function parseCounterTopic(topic: string): CounterTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || parts[0] !== 'parking' || parts[1] !== 'v1' || parts[4] !== 'counter') return null;
  const [, , lotId, sensorId] = parts as [string, string, string, string, string];
  return isId(lotId) && isId(sensorId) ? { lotId, sensorId } : null;
}

/** Parses a concrete status topic; null when it is not one. */
export function parseStatusTopic(topic: string): { lotId: string } | null {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== 'parking' || parts[1] !== 'v1' || parts[3] !== 'status') return null;
  const lotId = parts[2] as string;
  return isId(lotId) ? { lotId } : null;
}

/**
 * Whether an MQTT topic filter matches a concrete topic ([MQTT-4.7]: `+` one level, `#` the rest,
 * including the parent level itself).
 * @example filterMatches('parking/v1/+/+/counter', 'parking/v1/lot-a/gate-1/counter') // true
 */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}
