import { describe, expect, it } from 'vitest';
import { CounterMessage, decodeWith, MAX_COUNTER_VALUE, parseCounterPayload, plainCounter } from '../../protocol/index.js';

/** What the schema alone answers: parseCounterPayload's answer before its zod-free check. */
function bySchema(payload: string) {
  const d = decodeWith(CounterMessage, payload);
  return d.ok ? { ok: true, message: d.data } : { ok: false, reason: d.reason, detail: d.error };
}

const valid = { boot: 3, seq: 41, ts: 1_764_000_000_123, in: 120, out: 97 };
const oddValues: unknown[] = [0, -0, 1, -1, 0.5, 1e21, MAX_COUNTER_VALUE, MAX_COUNTER_VALUE + 1, Number.MAX_SAFE_INTEGER, 2 ** 53, '7', null, true, [], {}, [1], { a: 1 }];
const oddKeys = ['extra', '__proto__', 'constructor', 'toString', 'Boot', ''];

describe('counter payloads checked without zod', () => {
  it('answer exactly as the schema does, for valid and mutated payloads (seeded)', () => {
    let seed = 12;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const payloads: string[] = [JSON.stringify(valid), '[]', 'null', '5', '"x"', '{}', JSON.stringify([valid])];
    for (let i = 0; i < 3000; i++) {
      const m: Record<string, unknown> = { ...valid };
      for (let k = Math.floor(random() * 3); k > 0; k--) {
        const key = pick(Object.keys(valid));
        const what = random();
        if (what < 0.5) m[key] = pick(oddValues);
        else if (what < 0.7) delete m[key];
        else if (what < 0.9) m[pick(oddKeys)] = 1;
        else m[key] = Math.floor(random() * 2 ** 33);
      }
      // '__proto__' as an own key, as JSON.parse makes it
      payloads.push(JSON.stringify(m).replace('"Boot"', '"__proto__"'));
    }
    let plain = 0;
    for (const p of payloads) {
      expect(parseCounterPayload(p), p).toEqual(bySchema(p));
      if (plainCounter(JSON.parse(p))) plain += 1;
    }
    expect(plain).toBeGreaterThan(100); // the fast path was taken, not only the schema
    expect(payloads.length - plain).toBeGreaterThan(1000);
  });

  it('returns the message with the schema’s keys and values', () => {
    expect(plainCounter({ out: 1, in: 2, ts: 3, seq: 4, boot: 5 })).toEqual({ boot: 5, seq: 4, ts: 3, in: 2, out: 1 });
    expect(plainCounter({ ...valid, boot: MAX_COUNTER_VALUE + 1 })).toBeNull();
    expect(plainCounter({ ...valid, extra: 1 })).toBeNull();
  });
});
