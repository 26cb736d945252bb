import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BrokerHealth,
  build,
  counterTopic,
  filterFor,
  filterMatches,
  LotStatus,
  matchFilter,
  MAX_COUNTER_BYTES,
  parse,
  parseCounterPayload,
  parseCounterTopic,
  parseHealthTopic,
  parseStatusTopic,
  statusTopic,
  TOPIC_KINDS,
  TOPIC_PARAMS,
  TOPICS,
  type TopicKind,
} from '../../protocol/index.js';

const SAMPLE = { lotId: 'lot-1', sensorId: 'gate-1', clientId: 'manku-ingest', brokerId: 'manku-broker' };

/** What each kind's topic is today, spelled out, so a change to the table shows here. */
const EXPECTED: Record<TopicKind, string> = {
  counter: 'parking/v1/lot-1/gate-1/counter',
  status: 'parking/v1/lot-1/status',
  calibration: 'parking/v1/lot-1/calibration',
  calibrationResult: 'parking/v1/lot-1/calibration/result',
  ingestHealth: 'manku/v1/ingest/manku-ingest/health',
  brokerHealth: 'manku/v1/broker/manku-broker/health',
  pushHealth: 'manku/v1/push/manku-ingest/health',
  gates: 'manku/v1/lots/lot-1/gates',
};

/** The parameters a kind's pattern names. */
const paramsOf = (kind: TopicKind) => [...TOPICS[kind].pattern.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
const sampleOf = (kind: TopicKind) => Object.fromEntries(paramsOf(kind).map((p) => [p, SAMPLE[p as keyof typeof SAMPLE]]));

describe('the topic table', () => {
  it('has every kind the system uses, and only those', () => {
    expect([...TOPIC_KINDS].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(TOPIC_KINDS)('%s builds its topic and parses back to the same kind and parameters', (kind) => {
    const topic = build(kind, SAMPLE);
    expect(topic).toBe(EXPECTED[kind]);
    expect(parse(topic)).toEqual({ kind, params: sampleOf(kind) });
  });

  it.each(TOPIC_KINDS)('%s: its filter on every lot matches its topics and no other kind\'s', (kind) => {
    const filter = filterFor(kind);
    expect(filter).toBe(TOPICS[kind].pattern.replace(/\{\w+\}/g, '+'));
    expect(matchFilter(filter)).toEqual({ kind, params: {} });
    for (const other of TOPIC_KINDS) expect(filterMatches(filter, build(other, SAMPLE))).toBe(other === kind);
  });

  it.each(TOPIC_KINDS.filter((k) => paramsOf(k).includes('lotId')))('%s has a per-lot filter', (kind) => {
    const filter = filterFor(kind, { lotId: 'lot-1' });
    expect(matchFilter(filter)).toEqual({ kind, params: { lotId: 'lot-1' } });
    expect(filterMatches(filter, build(kind, SAMPLE))).toBe(true);
    expect(filterMatches(filter, build(kind, { ...SAMPLE, lotId: 'lot-2' }))).toBe(false);
  });

  it('no two patterns can match the same topic, so parse has one answer', () => {
    const levels = (k: TopicKind) => TOPICS[k].pattern.split('/');
    const isParam = (l: string) => l.startsWith('{');
    for (const a of TOPIC_KINDS) {
      for (const b of TOPIC_KINDS) {
        if (a === b || levels(a).length !== levels(b).length) continue;
        const overlap = levels(a).every((l, i) => isParam(l) || isParam(levels(b)[i]!) || l === levels(b)[i]);
        expect(overlap, `${a} and ${b}`).toBe(false);
      }
    }
  });

  it('names only parameters it knows how to validate', () => {
    for (const kind of TOPIC_KINDS) for (const p of paramsOf(kind)) expect(Object.keys(TOPIC_PARAMS)).toContain(p);
  });

  it('says who publishes and who subscribes, as the services do', () => {
    const roles = Object.fromEntries(TOPIC_KINDS.map((k) => [k, [TOPICS[k].publisher, [...TOPICS[k].subscribers].sort()]]));
    expect(roles).toEqual({
      counter: ['sensor', ['ingest']],
      status: ['ingest', ['api', 'ingest', 'push', 'reader']],
      calibration: ['api', ['ingest']],
      calibrationResult: ['ingest', ['api']],
      ingestHealth: ['ingest', ['api']],
      brokerHealth: ['broker', ['api']],
      pushHealth: ['push', ['api']],
      gates: ['ingest', ['api']],
    });
    for (const k of TOPIC_KINDS) expect([TOPICS[k].qos, TOPICS[k].retain]).toEqual([1, k === 'status' || k === 'gates' || k.endsWith('Health')]);
  });

  it('is listed in docs/protocol.md with the same QoS, retain, publisher and subscribers', () => {
    const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    const rows = new Map(
      [...doc.matchAll(/^\| `([^`]+)` \| (\w+) \| (\d) \| (yes|no) \| ([^|]+) \| ([^|]+) \|/gm)].map((m) => [m[1], m.slice(2, 7).map((c) => c!.trim())]),
    );
    const roleWords = (cell: string) => [...new Set(cell.match(/\b(sensor|ingest|api|reader|broker|push)\b/g))].sort();
    for (const kind of TOPIC_KINDS) {
      const row = rows.get(TOPICS[kind].pattern);
      expect(row, `docs/protocol.md lists ${TOPICS[kind].pattern}`).toBeDefined();
      const [name, qos, retained, publisher, subscribers] = row!;
      expect([name, Number(qos), retained === 'yes', roleWords(publisher!), roleWords(subscribers!)]).toEqual([
        kind,
        TOPICS[kind].qos,
        TOPICS[kind].retain,
        [TOPICS[kind].publisher],
        [...TOPICS[kind].subscribers].sort(),
      ]);
    }
    expect(rows.size).toBe(TOPIC_KINDS.length);
  });
});

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
    expect(parse(topic)).toBeNull();
  });

  it('ids may be 64 characters', () => {
    expect(parseStatusTopic(`parking/v1/${'a'.repeat(64)}/status`)).not.toBeNull();
  });

  it('an ingest client id is any non-empty level without wildcards', () => {
    expect(parseHealthTopic('manku/v1/ingest/Ingest_A 2/health')).toBe('Ingest_A 2');
    for (const id of ['', '+', '#', 'a+b']) expect(parseHealthTopic(`manku/v1/ingest/${id}/health`)).toBeNull();
  });

  it.each([
    ['parking/v1/+/+/counter', 'counter'],
    ['parking/v1/lot-1/+/counter', 'counter'],
    ['parking/v1/lot-1/gate-1/counter', 'counter'],
    ['manku/v1/ingest/+/health', 'ingestHealth'],
    ['manku/v1/broker/+/health', 'brokerHealth'],
  ])('matchFilter(%s) is %s', (filter, kind) => {
    expect(matchFilter(filter)?.kind).toBe(kind);
  });

  it.each(['#', 'parking/#', 'parking/v1/#', 'parking/v1/+/#', '+/v1/lot-1/status', 'parking/+/lot-1/status', 'manku/v1/+/+/health', 'parking/v1/Lot-1/status', 'parking/v1/+/+', ''])(
    'matchFilter refuses %j',
    (filter) => {
      expect(matchFilter(filter)).toBeNull();
    },
  );
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

describe('BrokerHealth', () => {
  const health = { brokerId: 'manku-broker', at: '2026-11-26T09:00:00.000Z', clients: 3 };

  it('is read from a broker one version apart: unknown kinds kept, missing kinds absent (a rolling upgrade)', () => {
    const parsed = BrokerHealth.parse({ ...health, refusals: { anonymous: 1, 'some-future-kind': 2 } });
    expect(parsed.refusals).toEqual({ anonymous: 1, 'some-future-kind': 2 });
  });

  it('refuses counts that are not counters and kinds that are not kind names', () => {
    expect(BrokerHealth.safeParse({ ...health, refusals: { anonymous: -1 } }).success).toBe(false);
    expect(BrokerHealth.safeParse({ ...health, refusals: { 'Not A Kind': 1 } }).success).toBe(false);
  });
});
