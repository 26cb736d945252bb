/**
 * Counter message: what a gate sensor publishes on `parking/v1/{lotId}/{sensorId}/counter`.
 *
 * `in`/`out` are cumulative since the sensor's current boot, so a lost message costs nothing
 * (the next one carries the totals) and a duplicate costs nothing (its (boot, seq) is not new).
 */
import { z } from 'zod';
import { parseJson, validateWith } from './json.js';

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
  const json = parseJson(payload);
  if (!json.ok) return { ok: false, reason: 'json', detail: json.error };
  const plain = plainCounter(json.data);
  if (plain) return { ok: true, message: plain };
  const decoded = validateWith(CounterMessage, json.data);
  return decoded.ok ? { ok: true, message: decoded.data } : { ok: false, reason: decoded.reason, detail: decoded.error };
}

const COUNTER_KEYS = new Set(['boot', 'seq', 'ts', 'in', 'out']);
const isCounter = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= MAX_COUNTER_VALUE;

/**
 * Every sensor message, checked without zod (zod's safeParse was the larger part of ingest's
 * parsing CPU): an object of exactly the five keys, each an integer in its range, is what
 * CounterMessage accepts, returned as it would return it. Anything else is null and goes to the
 * schema, which accepts or says what is wrong; the unit test holds the two to the same answers.
 */
export function plainCounter(json: unknown): CounterMessage | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const keys = Object.keys(json);
  if (keys.length !== COUNTER_KEYS.size || !keys.every((k) => COUNTER_KEYS.has(k))) return null;
  const { boot, seq, ts, in: entered, out } = json as Record<string, unknown>;
  if (!isCounter(boot) || !isCounter(seq) || !isCounter(entered) || !isCounter(out)) return null;
  if (!Number.isSafeInteger(ts) || (ts as number) < 0) return null;
  return { boot, seq, ts: ts as number, in: entered, out };
}
