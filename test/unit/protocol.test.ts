import { describe, expect, it } from 'vitest';
import {
  counterTopic,
  LotStatus,
  MAX_COUNTER_BYTES,
  parseCounterPayload,
  parseCounterTopic,
  parseStatusTopic,
  statusTopic,
} from '../../protocol/index.js';

describe('topics', () => {
  it('builds and parses counter and status topics', () => {
    expect(counterTopic('lot-1', 'gate-1')).toBe('parking/v1/lot-1/gate-1/counter');
    expect(parseCounterTopic('parking/v1/lot-1/gate-1/counter')).toEqual({ lotId: 'lot-1', sensorId: 'gate-1' });
    expect(statusTopic('lot-1')).toBe('parking/v1/lot-1/status');
    expect(parseStatusTopic('parking/v1/lot-1/status')).toEqual({ lotId: 'lot-1' });
  });

  it.each([
    'parking/v1/lot-1/gate-1',
    'parking/v2/lot-1/gate-1/counter',
    'parking/v1/Lot-1/gate-1/counter',
    'parking/v1/lot_1/gate-1/counter',
    'parking/v1//gate-1/counter',
    `parking/v1/${'a'.repeat(65)}/gate-1/counter`,
    'parking/v1/lot-1/gate-1/counter/extra',
    'parking/v1/+/gate-1/counter',
  ])('rejects %s', (topic) => {
    expect(parseCounterTopic(topic)).toBeNull();
  });

  it('ids may be 64 characters', () => {
    expect(parseStatusTopic(`parking/v1/${'a'.repeat(64)}/status`)).not.toBeNull();
  });
});

describe('counter payload', () => {
  const ok = { boot: 1, seq: 2, ts: 1_700_000_000_000, in: 5, out: 1 };

  it('accepts a valid message', () => {
    expect(parseCounterPayload(Buffer.from(JSON.stringify(ok)))).toEqual({ ok: true, message: ok });
  });

  it.each([
    [{ ...ok, extra: 1 }, 'unknown key'],
    [{ ...ok, in: -1 }, 'negative'],
    [{ ...ok, seq: 1.5 }, 'not an integer'],
    [{ ...ok, boot: '1' }, 'a string'],
    [{ boot: 1, seq: 2, ts: 3, in: 4 }, 'missing out'],
    [[1, 2], 'an array'],
    [null, 'null'],
  ] as Array<[unknown, string]>)('rejects %j (%s) as schema', (value) => {
    const r = parseCounterPayload(JSON.stringify(value));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('schema');
  });

  it('holds boot, seq, in and out to 32 bits, so no boot can lock a sensor out', () => {
    expect(parseCounterPayload(JSON.stringify({ ...ok, boot: 4294967295, seq: 4294967295, in: 4294967295, out: 4294967295 })).ok).toBe(true);
    for (const key of ['boot', 'seq', 'in', 'out']) {
      const r = parseCounterPayload(JSON.stringify({ ...ok, [key]: 4294967296 }));
      expect(r).toMatchObject({ ok: false, reason: 'schema', detail: expect.stringMatching(new RegExp(`32 bits[\\s\\S]*${key}`)) });
    }
    expect(parseCounterPayload(JSON.stringify({ ...ok, boot: 9007199254740991 })).ok).toBe(false);
  });

  it('names the bad key in the schema error', () => {
    const r = parseCounterPayload(JSON.stringify({ ...ok, in: -1 }));
    expect(!r.ok && r.detail).toMatch(/in/);
  });

  it('rejects bad JSON and oversize payloads', () => {
    expect(parseCounterPayload('{"boot":')).toMatchObject({ ok: false, reason: 'json' });
    expect(parseCounterPayload(Buffer.from([0xff, 0xfe, 0x00]))).toMatchObject({ ok: false, reason: 'json' });
    const big = JSON.stringify({ ...ok, pad: 'x'.repeat(MAX_COUNTER_BYTES) });
    expect(parseCounterPayload(big)).toMatchObject({ ok: false, reason: 'oversize' });
  });
});

describe('LotStatus', () => {
  const status = {
    lotId: 'lot-1',
    name: { ja: '駐車場', en: 'Lot' },
    capacity: 200,
    occupied: 4,
    available: 196,
    occupancy: 0.02,
    level: 'vacant',
    label: '空',
    observedAt: '2026-11-25T00:00:00.000Z',
    stale: false,
  };

  it('accepts a consistent status', () => {
    expect(LotStatus.safeParse(status).success).toBe(true);
  });

  it('rejects a label that does not match the level, and a stale status with a level', () => {
    expect(LotStatus.safeParse({ ...status, label: '満' }).success).toBe(false);
    expect(LotStatus.safeParse({ ...status, stale: true }).success).toBe(false);
    expect(LotStatus.safeParse({ ...status, stale: true, level: 'unknown', label: '—' }).success).toBe(true);
  });
});
