/**
 * Malformed counter payloads for fuzzing ingest through the broker (issue 12 item 6): JSON edge
 * cases, huge and special numbers, wrong types, unknown and missing keys, unicode and invalid
 * UTF-8, deep nesting, mutated valid messages, oversize ones. Seeded; every one is invalid by the
 * wire schema (protocol/counter.ts), which also names the reason ingest must count it under.
 */
import type { Random } from '../../firmware-sim/index.js';
import { MAX_COUNTER_BYTES, parseCounterPayload, type CounterRejection } from '../../protocol/index.js';
import { FUZZ_REFERENCE } from './packets.js';

export const PAYLOAD_KINDS = ['syntax', 'number', 'type', 'keys', 'unicode', 'nesting', 'mutated', 'bytes', 'oversize'] as const;
export type PayloadKind = (typeof PAYLOAD_KINDS)[number];

export interface FuzzPayload {
  kind: PayloadKind;
  payload: Buffer;
  /** Why it is invalid: what ingest (json, schema) or the broker (oversize) must count. */
  reason: CounterRejection;
}

const pick = <T>(random: Random, list: readonly T[]): T => list[random.int(list.length)]!;
const FIELDS = ['boot', 'seq', 'ts', 'in', 'out'] as const;

/** A valid reading as an object (a duplicate of FUZZ_REFERENCE, so even a slip could not count). */
const valid = (random: Random): Record<string, unknown> => ({ ...FUZZ_REFERENCE, seq: random.int(1e6), ts: Date.UTC(2026, 0, 1) });
const withField = (random: Random, value: string) => {
  const field = pick(random, FIELDS);
  return JSON.stringify(valid(random)).replace(new RegExp(`"${field}":[^,}]*`), `"${field}":${value}`);
};

const generators: Record<PayloadKind, (random: Random) => string | Buffer> = {
  syntax: (random) => {
    const text = JSON.stringify(valid(random));
    return pick(random, [
      '', ' ', '{', '}', '[]', '{}', 'null', 'true', '42', '"boot"', text.slice(0, random.int(text.length)), `${text},`, `${text}}`, `${text}${text}`,
      text.replace(/"/g, "'"), text.replace(/"(\w+)":/g, '$1:'), text.replace('}', ',}'), `/* c */${text}`, `\uFEFF${text}`, `${text}\u0000`,
      withField(random, 'NaN'), withField(random, 'Infinity'), withField(random, '-Infinity'), withField(random, 'undefined'), withField(random, '0x10'),
      withField(random, '007'), withField(random, '+1'), withField(random, '.5'), withField(random, '1.'), withField(random, '--1'),
    ]);
  },
  number: (random) =>
    withField(random, pick(random, ['-1', '1.5', '0.1', '1e308', '1e400', '-1e400', '4294967296', '9007199254740993', '1e-400', '-0.5', '4294967295.5', '123456789012345678901234567890', '-0e10', '1E+30'])),
  type: (random) => withField(random, pick(random, ['"1"', 'true', 'false', 'null', '[]', '[1]', '{}', '{"n":1}', '""', '"NaN"', '"-0"'])),
  keys: (random) => {
    const m = valid(random);
    const field = pick(random, FIELDS);
    switch (random.int(6)) {
      case 0:
        delete m[field];
        return JSON.stringify(m);
      case 1:
        return JSON.stringify({ ...m, [pick(random, ['extra', 'lotId', 'sensorId', 'IN', 'Boot', 'in ', ''])]: 1 });
      case 2:
        return JSON.stringify(m).replace('{', '{"__proto__":{"polluted":true},');
      case 3:
        return JSON.stringify(m).replace('{', '{"constructor":{"prototype":{"x":1}},');
      case 4:
        return JSON.stringify({ ...m, in: -0, out: -0, [pick(random, ['x', 'y'])]: -0 }); // -0 is fine on its own; the stray key is not
      default:
        return `{"${field}":"x",${JSON.stringify(m).slice(1).replace(`"${field}":`, `"${field}":"dup",`)}`;
    }
  },
  unicode: (random) => {
    const text = JSON.stringify(valid(random));
    return pick(random, [
      () => text.replace('"in"', '"ｉｎ"'),
      () => text.replace('"in"', '"in\u200b"'),
      () => text.replace('"out"', '"\u202eout"'),
      () => withField(random, '"\\ud800"'),
      () => withField(random, '"😀"'),
      () => withField(random, '"\u0000"'),
      () => Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from([0x2c, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])]), // invalid UTF-8 key
      () => Buffer.concat([Buffer.from(text.slice(0, 5)), Buffer.from([0xc0, 0xaf]), Buffer.from(text.slice(5))]), // overlong encoding
      () => Buffer.from(text, 'utf16le'),
      () => withField(random, `"${'\u00e9'.repeat(random.int(100))}"`),
    ])();
  },
  nesting: (random) => {
    const depth = 1 + random.int(250);
    return pick(random, [
      () => `${'['.repeat(depth)}${']'.repeat(depth)}`,
      () => `${'{"a":'.repeat(Math.min(depth, 80))}1${'}'.repeat(Math.min(depth, 80))}`,
      () => withField(random, `${'['.repeat(depth)}1${']'.repeat(depth)}`),
      () => '['.repeat(depth), // unclosed
    ])();
  },
  mutated: (random) => {
    const text = Buffer.from(JSON.stringify(valid(random)));
    for (let k = 1 + random.int(3); k > 0; k--) {
      const at = random.int(text.length);
      text[at] = pick(random, [random.int(256), 0x22, 0x2c, 0x7b, 0x7d, 0x3a, 0x2d, 0x30 + random.int(10)]);
    }
    return text;
  },
  bytes: (random) => Buffer.from(Array.from({ length: random.int(MAX_COUNTER_BYTES) }, () => random.int(256))),
  oversize: (random) => {
    const text = JSON.stringify({ ...valid(random), pad: 'x'.repeat(MAX_COUNTER_BYTES) });
    return random.chance(0.2) ? `${' '.repeat(4096)}${text}` : text; // some beyond the broker's packet limit too
  },
};

/** `count` invalid counter payloads from the seeded `random`, each with the reason it must be refused. */
export function fuzzPayloads(random: Random, count: number): FuzzPayload[] {
  const out: FuzzPayload[] = [];
  while (out.length < count) {
    const kind = random.chance(0.02) ? 'oversize' : pick(random, PAYLOAD_KINDS.slice(0, -1));
    const raw = generators[kind](random);
    const payload = typeof raw === 'string' ? Buffer.from(raw) : raw;
    const parsed = parseCounterPayload(payload);
    if (!parsed.ok) out.push({ kind, payload, reason: parsed.reason }); // a mutation that happens to be valid is skipped
  }
  return out;
}
