import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe } from '../../broker/index.js';
import type { Principal } from '../../core/index.js';

const sensor: Principal = { role: 'sensor', username: 'gate-1', lotId: 'lot-a', sensorId: 'gate-1' };
const reader: Principal = { role: 'reader', username: 'reader' };
const ingest: Principal = { role: 'ingest', username: 'ingest' };
const api: Principal = { role: 'api', username: 'api' };

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
