import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe } from '../../broker/index.js';
import type { Principal } from '../../core/index.js';

const sensor: Principal = { role: 'sensor', username: 'gate-1', lotId: 'lot-a', sensorId: 'gate-1' };
const reader: Principal = { role: 'reader', username: 'reader' };
const ingest: Principal = { role: 'ingest', username: 'ingest' };
const api: Principal = { role: 'api', username: 'api' };
const push: Principal = { role: 'push', username: 'push' };

describe('canPublish', () => {
  it('a sensor publishes only to its own counter topic', () => {
    expect(canPublish(sensor, 'parking/v1/lot-a/gate-1/counter').ok).toBe(true);
    expect(canPublish(sensor, 'parking/v1/lot-b/gate-1/counter').ok).toBe(false);
    expect(canPublish(sensor, 'parking/v1/lot-a/gate-2/counter').ok).toBe(false);
    expect(canPublish(sensor, 'parking/v1/lot-a/status').ok).toBe(false);
    expect(canPublish(sensor, 'other/topic').ok).toBe(false);
  });

  it('ingest publishes only status; readers publish nothing', () => {
    expect(canPublish(ingest, 'parking/v1/lot-a/status').ok).toBe(true);
    expect(canPublish(ingest, 'parking/v1/lot-a/gate-1/counter').ok).toBe(false);
    expect(canPublish(reader, 'parking/v1/lot-a/status').ok).toBe(false);
  });

  it('nobody publishes to $SYS', () => {
    for (const p of [sensor, reader, ingest]) expect(canPublish(p, '$SYS/broker/x').ok).toBe(false);
  });

  it('names the kind of an allowed topic, so the broker need not parse it again', () => {
    expect(canPublish(sensor, 'parking/v1/lot-a/gate-1/counter')).toEqual({ ok: true, kind: 'counter' });
    expect(canPublish(ingest, 'parking/v1/lot-a/status')).toEqual({ ok: true, kind: 'status' });
    expect(canPublish(api, 'parking/v1/lot-a/calibration')).toEqual({ ok: true, kind: 'calibration' });
  });

  it("a sensor's own-topic shortcut agrees with the topic table on near misses", () => {
    const near = [
      'parking/v1/lot-a/gate-1/counter/',
      '/parking/v1/lot-a/gate-1/counter',
      'parking/v1/lot-a/gate-1/counterx',
      'parking/v1/lot-a/gate-1',
      'parking/v2/lot-a/gate-1/counter',
      'parking/v1/lot-a/+/counter',
      'parking/v1/lot-a/gate-1/counter\u0000',
      'parking//v1/lot-a/gate-1/counter',
    ];
    for (const topic of near) expect(canPublish(sensor, topic).ok, topic).toBe(false);
  });

  it('explains a refusal', () => {
    const d = canPublish(sensor, 'parking/v1/lot-b/gate-1/counter');
    expect(!d.ok && d.reason).toMatch(/parking\/v1\/lot-a\/gate-1\/counter/);
  });
});

describe('canSubscribe', () => {
  it('sensors subscribe to nothing', () => {
    expect(canSubscribe(sensor, 'parking/v1/lot-a/status').ok).toBe(false);
  });

  it('readers subscribe to status topics only', () => {
    expect(canSubscribe(reader, 'parking/v1/+/status').ok).toBe(true);
    expect(canSubscribe(reader, 'parking/v1/lot-a/status').ok).toBe(true);
    expect(canSubscribe(reader, 'parking/v1/+/+/counter').ok).toBe(false);
    expect(canSubscribe(reader, 'parking/v1/#').ok).toBe(false);
    expect(canSubscribe(reader, 'parking/#').ok).toBe(false);
    expect(canSubscribe(reader, '#').ok).toBe(false);
    expect(canSubscribe(reader, '+/v1/lot-a/status').ok).toBe(false);
  });

  it('ingest subscribes to counters and status', () => {
    expect(canSubscribe(ingest, 'parking/v1/+/+/counter').ok).toBe(true);
    expect(canSubscribe(ingest, 'parking/v1/lot-a/+/counter').ok).toBe(true);
    expect(canSubscribe(ingest, 'parking/v1/+/status').ok).toBe(true);
    expect(canSubscribe(ingest, 'parking/v1/#').ok).toBe(false);
  });

  it('nobody subscribes to $SYS', () => {
    for (const p of [sensor, reader, ingest]) expect(canSubscribe(p, '$SYS/#').ok).toBe(false);
  });
});

describe('broker health (manku/v1/broker/{brokerId}/health)', () => {
  it('the api account may subscribe to it; nobody else may', () => {
    expect(canSubscribe(api, 'manku/v1/broker/+/health').ok).toBe(true);
    expect(canSubscribe(api, 'manku/v1/broker/manku-broker/health').ok).toBe(true);
    expect(canSubscribe(api, 'manku/v1/broker/#').ok).toBe(false);
    expect(canSubscribe(api, 'manku/v1/+/+/health').ok).toBe(false);
    for (const p of [sensor, reader, ingest]) expect(canSubscribe(p, 'manku/v1/broker/+/health').ok).toBe(false);
  });

  it('no account may publish it: only the broker itself does', () => {
    for (const p of [sensor, reader, ingest, api]) expect(canPublish(p, 'manku/v1/broker/manku-broker/health').ok).toBe(false);
  });
});

/**
 * Every role against every kind, spelled out (not read from the topic table), so that a change to
 * the table that changes a decision shows here.
 */
describe('every role and kind, as decided before the topic table', () => {
  const other: Principal = { role: 'sensor', username: 'gate-2', lotId: 'lot-a', sensorId: 'gate-2' };
  const roles = { sensor, reader, ingest, api, push };
  const topics = {
    counter: 'parking/v1/lot-a/gate-1/counter',
    status: 'parking/v1/lot-a/status',
    calibration: 'parking/v1/lot-a/calibration',
    calibrationResult: 'parking/v1/lot-a/calibration/result',
    ingestHealth: 'manku/v1/ingest/manku-ingest/health',
    brokerHealth: 'manku/v1/broker/manku-broker/health',
    pushHealth: 'manku/v1/push/manku-ngsi-push/health',
    gates: 'manku/v1/lots/lot-a/gates',
  };
  const publishers: Record<keyof typeof topics, string[]> = {
    counter: ['sensor'],
    status: ['ingest'],
    calibration: ['api'],
    calibrationResult: ['ingest'],
    ingestHealth: ['ingest'],
    brokerHealth: [],
    pushHealth: ['push'],
    gates: ['ingest'],
  };
  const subscribers: Record<keyof typeof topics, string[]> = {
    counter: ['ingest'],
    status: ['reader', 'ingest', 'api', 'push'],
    calibration: ['ingest'],
    calibrationResult: ['api'],
    ingestHealth: ['api'],
    brokerHealth: ['api'],
    pushHealth: ['api'],
    gates: ['api'],
  };
  const allLots = (topic: string) => topic.replace(/^(parking\/v1|manku\/v1\/\w+)\/[^/]+/, '$1/+');
  const cases = Object.entries(topics).flatMap(([kind, topic]) => Object.entries(roles).map(([role, p]) => ({ kind, topic, role, p })));

  it.each(cases)('$role publishing $kind', ({ kind, topic, role, p }) => {
    expect(canPublish(p, topic).ok).toBe(publishers[kind as keyof typeof topics].includes(role));
  });

  it.each(cases)('$role subscribing to $kind, on one lot and on every lot', ({ kind, topic, role, p }) => {
    const may = subscribers[kind as keyof typeof topics].includes(role);
    expect(canSubscribe(p, topic).ok).toBe(may);
    expect(canSubscribe(p, allLots(topic)).ok).toBe(may);
  });

  it('a sensor may not publish another sensor\'s counter, nor with a bad id', () => {
    expect(canPublish(other, topics.counter).ok).toBe(false);
    expect(canPublish(sensor, 'parking/v1/lot-a/Gate-1/counter').ok).toBe(false);
  });

  it.each([
    'parking/v1/Lot-A/status',
    'parking/v1/lot-a/status/extra',
    'parking/v1/+/#',
    'parking/+/lot-a/status',
    'manku/v1/+/+/health',
    'manku/v1/ingest/#',
    // an empty client id matches no topic anybody may publish (refused since the topic table)
    'manku/v1/ingest//health',
  ])('refuses the filter %s to every account', (filter) => {
    for (const p of Object.values(roles)) expect(canSubscribe(p, filter).ok).toBe(false);
  });

  it('ingest may publish any ingest health, not only its own (ingest accounts are not tied to a client id)', () => {
    expect(canPublish(ingest, 'manku/v1/ingest/Another Ingest/health').ok).toBe(true);
    expect(canPublish(ingest, 'manku/v1/ingest//health').ok).toBe(false);
  });

  it('says in each refusal what the account may do instead', () => {
    const reason = (d: { ok: true } | { ok: false; reason: string }) => (d.ok ? '' : d.reason);
    expect(reason(canPublish(reader, topics.status))).toBe('reader accounts may not publish');
    expect(reason(canPublish(api, topics.status))).toBe('the api account may publish only to parking/v1/{lotId}/calibration');
    expect(reason(canPublish(ingest, topics.counter))).toBe(
      'ingest may publish only to parking/v1/{lotId}/status, parking/v1/{lotId}/calibration/result, manku/v1/ingest/{clientId}/health, manku/v1/lots/{lotId}/gates',
    );
    expect(reason(canSubscribe(sensor, topics.status))).toBe('sensors may not subscribe');
    expect(reason(canSubscribe(reader, topics.counter))).toBe('reader accounts may subscribe only to parking/v1/{lotId|+}/status');
    expect(reason(canSubscribe(api, topics.counter))).toMatch(/^the api account may subscribe only to parking\/v1\/\{lotId\|\+\}\/status, .*manku\/v1\/push\/\{clientId\|\+\}\/health, manku\/v1\/lots\/\{lotId\|\+\}\/gates$/);
    expect(reason(canSubscribe(reader, '#'))).toBe('$SYS and root wildcards are reserved');
  });
});
