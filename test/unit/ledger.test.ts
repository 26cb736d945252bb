/** The ledger on its own: every step of a counter message, and admins' entries, without a broker. */
import { describe, expect, it } from 'vitest';
import { oneLot } from '../support/fixtures.js';
import type { StorePoint } from '../../storage/index.js';
import { createLedger, messagesTaken } from '../../ingest/index.js';

const lots = oneLot({ sensors: ['g1', 'g2'] });
const topic = (sensor = 'g1', lot = 'lot-a') => `parking/v1/${lot}/${sensor}/counter`;
const msg = (boot: number, seq: number, i: number, o: number, ts = 1_000_000) => Buffer.from(JSON.stringify({ boot, seq, ts, in: i, out: o }));

function ledgerAt(nowMs = 1_000_000) {
  const points: StorePoint[] = [];
  const changed: string[] = [];
  const clock = { now: () => nowMs };
  const ledger = createLedger({ lots, clock, store: { write: (p) => void points.push(...p) }, onChange: (id) => changed.push(id), skewToleranceMs: 60_000 });
  return { ledger, points, changed };
}

describe('ledger', () => {
  it('rejects what is not a valid reading of a known sensor, by reason, changing nothing', () => {
    const { ledger, points, changed } = ledgerAt();
    expect(ledger.handle('parking/v1/lot-a/status', msg(1, 1, 1, 0))).toMatchObject({ ok: false, reason: 'topic' });
    expect(ledger.handle(topic('g1', 'lot-z'), msg(1, 1, 1, 0))).toMatchObject({ ok: false, reason: 'unknown-lot' });
    expect(ledger.handle(topic('g9'), msg(1, 1, 1, 0))).toMatchObject({ ok: false, reason: 'unknown-sensor' });
    expect(ledger.handle(topic(), Buffer.from('{'))).toMatchObject({ ok: false, reason: 'json' });
    expect(ledger.handle(topic(), Buffer.from('{"boot":1}'))).toMatchObject({ ok: false, reason: 'schema' });
    expect(ledger.handle(topic(), Buffer.alloc(600, 32))).toMatchObject({ ok: false, reason: 'oversize' });
    expect(ledger.stats().rejected).toMatchObject({ topic: 1, 'unknown-lot': 1, 'unknown-sensor': 1, json: 1, schema: 1, oversize: 1 });
    expect(messagesTaken(ledger.stats())).toBe(6);
    expect(points).toEqual([]);
    expect(changed).toEqual([]);
    expect(ledger.lot('lot-a')!.occupiedRaw).toBe(0);
  });

  it('stores each accepted reading with a lotSeq that grows, and tells which lot changed', () => {
    const { ledger, points, changed } = ledgerAt();
    ledger.handle(topic('g1'), msg(1, 1, 5, 1));
    ledger.handle(topic('g1'), msg(1, 1, 5, 1)); // duplicate: counted, not stored
    ledger.handle(topic('g2'), msg(1, 1, 2, 0));
    expect(points.map((p) => [p.measurement, p.lotSeq, p.occupiedRaw])).toEqual([
      ['sensor_reading', 1, 4],
      ['sensor_reading', 2, 6],
    ]);
    expect(changed).toEqual(['lot-a', 'lot-a']);
    expect(ledger.stats().outcomes).toMatchObject({ reboot: 2, duplicate: 1 });
    expect(ledger.status('lot-a')).toMatchObject({ occupied: 6, level: 'vacant', stale: false });
  });

  it('stores a reading whose sensor clock is off at receive time, and counts it', () => {
    const { ledger, points } = ledgerAt(5_000_000);
    ledger.handle(topic('g1'), msg(1, 1, 1, 0, 5_000_000 + 3_600_000));
    expect(points[0]).toMatchObject({ timeMs: 5_000_000, skewMs: 3_600_000 });
    expect(ledger.stats().clockSkewed).toBe(1);
  });

  it('calibration and a sensor reset are entries of their own, in lotSeq order', () => {
    const { ledger, points } = ledgerAt();
    ledger.handle(topic('g1'), msg(1, 1, 5, 1));
    expect(ledger.calibrate('lot-a', { requestId: 'c', occupied: 7, expiresAt: 2_000_000 })).toEqual({ requestId: 'c', ok: true, occupied: 7, previous: 4 });
    expect(ledger.calibrate('lot-a', { requestId: 'd', occupied: 11, expiresAt: 2_000_000 })).toMatchObject({ ok: false, error: /capacity, 10/ });
    expect(ledger.resetSensor('lot-a', { requestId: 'r', resetSensor: 'g1', expiresAt: 2_000_000 })).toEqual({
      requestId: 'r',
      ok: true,
      sensorId: 'g1',
      previous: { boot: 1, seq: 1, in: 5, out: 1 },
    });
    expect(ledger.resetSensor('lot-a', { requestId: 's', resetSensor: 'g9', expiresAt: 2_000_000 })).toMatchObject({ ok: false });
    expect(points.map((p) => [p.measurement, p.lotSeq, p.occupiedRaw])).toEqual([
      ['sensor_reading', 1, 4],
      ['lot_calibration', 2, 7],
      ['sensor_reading', 3, 7],
    ]);
    expect(points[2]).toMatchObject({ outcome: 'reset', sensorId: 'g1' });
    expect(ledger.stats()).toMatchObject({ calibrations: 1, sensorResets: 1 });
  });

  it('restores from stored state and continues its lotSeq', () => {
    const { ledger, points } = ledgerAt();
    ledger.restore(new Map([['lot-a', { occupiedRaw: 3, lastSeq: 41, sensors: { g1: { boot: 2, seq: 9, in: 3, out: 0, lastSeenMs: 999_000 } } }]]));
    ledger.handle(topic('g1'), msg(2, 10, 4, 0));
    expect(points[0]).toMatchObject({ lotSeq: 42, occupiedRaw: 4 });
  });
});
