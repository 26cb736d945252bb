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

/** Largest boot, seq, in and out: a 32-bit unsigned counter, what gate firmware keeps. */
export const MAX_COUNTER_VALUE = 0xffff_ffff;

// A boot far beyond what firmware can send would make every later real boot look old, locking the
// sensor out; so the wire format holds counters to 32 bits (docs/protocol.md).
const counter = z.int().nonnegative().max(MAX_COUNTER_VALUE, 'must fit in 32 bits (0 to 4294967295)');

export const CounterMessage = z.strictObject({
  /** Incremented at every power-up of the sensor. */
  boot: counter,
  /** Incremented by one per message within a boot. */
  seq: counter,
  /** Sensor clock, epoch milliseconds. */
  ts: z.int().nonnegative(),
  /** Vehicles counted entering since this boot. */
  in: counter,
  /** Vehicles counted leaving since this boot. */
  out: counter,
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
