/**
 * Counter message: what a gate sensor publishes on `parking/v1/{lotId}/{sensorId}/counter`.
 *
 * `in`/`out` are cumulative since the sensor's current boot, so a lost message costs nothing
 * (the next one carries the totals) and a duplicate costs nothing (its (boot, seq) is not new).
 */
import { z } from 'zod';
import { decodeWith } from './json.js';

/** Largest accepted counter payload, in bytes. */
export const MAX_COUNTER_BYTES = 512;

const count = z.int().nonnegative();

export const CounterMessage = z.strictObject({
  /** Incremented at every power-up of the sensor. */
  boot: count,
  /** Incremented by one per message within a boot. */
  seq: count,
  /** Sensor clock, epoch milliseconds. */
  ts: count,
  /** Vehicles counted entering since this boot. */
  in: count,
  /** Vehicles counted leaving since this boot. */
  out: count,
});
export type CounterMessage = z.infer<typeof CounterMessage>;

export type CounterRejection = 'oversize' | 'json' | 'schema';

export type ParsedCounter =
  | { ok: true; message: CounterMessage }
  | { ok: false; reason: CounterRejection; detail: string };

/**
 * Decodes and validates a raw payload.
 * @example parseCounterPayload(Buffer.from('{"boot":1,"seq":1,"ts":0,"in":5,"out":1}'))
 */
export function parseCounterPayload(payload: Uint8Array | string): ParsedCounter {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > MAX_COUNTER_BYTES) {
    return { ok: false, reason: 'oversize', detail: `payload is ${size} bytes, limit is ${MAX_COUNTER_BYTES}` };
  }
  const decoded = decodeWith(CounterMessage, payload);
  return decoded.ok ? { ok: true, message: decoded.data } : { ok: false, reason: decoded.reason, detail: decoded.error };
}
