/** Decoding JSON payloads against a schema, for every message that crosses a boundary. */
import { z } from 'zod';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type Decoded<T> = { ok: true; data: T } | { ok: false; reason: 'json' | 'schema'; error: string };

/**
 * Parses UTF-8 JSON and validates it.
 * @example decodeWith(CalibrationCommand, payload) // { ok: true, data } or { ok: false, reason, error }
 */
export function decodeWith<S extends z.ZodType>(schema: S, payload: Uint8Array | string): Decoded<z.infer<S>> {
  const json = parseJson(payload);
  return json.ok ? validateWith(schema, json.data) : json;
}

/** The JSON.parse step of decodeWith. */
export function parseJson(payload: Uint8Array | string): Decoded<unknown> {
  try {
    return { ok: true, data: JSON.parse(typeof payload === 'string' ? payload : utf8.decode(payload)) };
  } catch (err) {
    return { ok: false, reason: 'json', error: (err as Error).message };
  }
}

/** The schema step of decodeWith. */
export function validateWith<S extends z.ZodType>(schema: S, json: unknown): Decoded<z.infer<S>> {
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, data: parsed.data } : { ok: false, reason: 'schema', error: z.prettifyError(parsed.error) };
}
