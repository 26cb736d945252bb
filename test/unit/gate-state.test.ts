/** Per-gate state in ingest (tracker and publisher) and the console's typical-day arithmetic: pure, fake timers. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { oneLot } from '../support/fixtures.js';
import { createGatePublisher, createGateTracker, createLedger } from '../../ingest/index.js';
import type { LotGates } from '../../protocol/index.js';
import { bySlot, daysToFetch, forecastSlots, typicalDay, weekdayOf } from '../../console/typical-day.js';

const lots = oneLot({ sensors: ['g1', 'g2'], staleAfterS: 60 });
const msg = (seq: number, i: number, ts = 0) => Buffer.from(JSON.stringify({ boot: 1, seq, ts, in: i, out: 0 }));
const topic = (s: string) => `parking/v1/lot-a/${s}/counter`;

afterEach(() => vi.useRealTimers());

function setup(intervalMs = 5000) {
  vi.useFakeTimers();
  let now = 1_000_000;
  const clock = { now: () => now };
  const ledger = createLedger({ lots, clock, store: { write() {} } });
  const tracker = createGateTracker({ lots, ledger });
  const published: LotGates[] = [];
  const gates = createGatePublisher({ tracker, lotIds: ledger.lotIds, clock, intervalMs, tickMs: 1000, publish: (_l, g) => void published.push(g) });
  const take = (sensor: string, payload: Buffer) => {
    const result = ledger.handle(topic(sensor), payload);
    const gate = tracker.observe(topic(sensor), result, now);
    if (gate) gates.changed(gate.lotId, gate.sensorId);
  };
  return { tracker, gates, published, take, advance: (ms: number) => ((now += ms), vi.advanceTimersByTime(ms)), now: () => now };
}

describe('gate tracker', () => {
  it('counts each gate by outcome and rejection, and reads boot, seq and last seen from the ledger', () => {
    const { tracker, take, now } = setup();
    take('g1', msg(1, 3, now() + 400_000)); // reboot, clock 400 s ahead (over the 300 s tolerance)
    take('g1', msg(1, 3, now())); // duplicate
    take('g1', msg(2, 2, now())); // anomaly
    take('g1', Buffer.from('{"boot":1}')); // schema
    take('g1', Buffer.from('not json')); // json
    const g = tracker.snapshot('lot-a', now())!;
    expect(g.gates.map((x) => x.sensorId)).toEqual(['g2', 'g1']); // silent first
    expect(g.gates[1]).toMatchObject({
      boot: 1,
      seq: 2,
      online: true,
      accepted: 3,
      clockSkewed: 1,
      outcomes: { reboot: 1, duplicate: 1, anomaly: 1, applied: 0 },
      rejected: { oversize: 0, json: 1, schema: 1 },
      lastSeenAt: new Date(now()).toISOString(),
    });
    expect(g.gates[0]).toMatchObject({ online: false, lastSeenAt: null, boot: null, accepted: 0 });
    expect(g.drift).toBe(false);
  });

  it("reads each gate's online flag as the snapshot shows it, before, within and after its window", () => {
    const { tracker, take, advance, now } = setup();
    const flags = () => Object.fromEntries(tracker.snapshot('lot-a', now())!.gates.map((g) => [g.sensorId, g.online]));
    expect(Object.fromEntries(tracker.online('lot-a', now())!)).toEqual(flags()); // never heard from
    take('g1', msg(1, 1, now()));
    expect(Object.fromEntries(tracker.online('lot-a', now())!)).toEqual({ g1: true, g2: false });
    expect(Object.fromEntries(tracker.online('lot-a', now())!)).toEqual(flags());
    advance(60_001); // past staleAfterS
    expect(Object.fromEntries(tracker.online('lot-a', now())!)).toEqual({ g1: false, g2: false });
    expect(Object.fromEntries(tracker.online('lot-a', now())!)).toEqual(flags());
    expect(tracker.online('lot-zz', now())).toBeNull();
  });

  it('counts nothing for an unknown sensor or lot', () => {
    const { tracker, now } = setup();
    const ledger = createLedger({ lots, clock: { now }, store: { write() {} } });
    expect(tracker.observe('parking/v1/lot-a/nobody/counter', ledger.handle('parking/v1/lot-a/nobody/counter', msg(1, 1)), now())).toBeNull();
    expect(tracker.observe('parking/v1/lot-x/g1/counter', ledger.handle('parking/v1/lot-x/g1/counter', msg(1, 1)), now())).toBeNull();
  });
});

describe('gate publisher', () => {
  it('publishes a gate coming online at once, then coalesces counter changes to one per interval', () => {
    const { take, published, advance } = setup(5000);
    take('g1', msg(1, 1));
    expect(published).toHaveLength(0);
    advance(0);
    expect(published).toHaveLength(1); // g1 went from never heard to online: news on the next turn, not in 5 s
    for (let s = 2; s <= 40; s++) take('g1', msg(s, s));
    expect(published).toHaveLength(1);
    advance(4999);
    expect(published).toHaveLength(1);
    advance(1);
    expect(published).toHaveLength(2);
    expect(published[1]!.gates.find((g) => g.sensorId === 'g1')!.seq).toBe(40);
  });

  it('publishes a gate going silent on the tick after its window, without any message', () => {
    const { take, gates, published, advance } = setup(5000);
    gates.start();
    take('g1', msg(1, 1));
    take('g2', msg(1, 1));
    advance(0);
    const before = published.length;
    advance(60_000); // still within the window: nothing changes
    expect(published.length).toBe(before);
    advance(1000);
    expect(published.length).toBe(before + 1);
    expect(published.at(-1)!.gates.map((g) => [g.sensorId, g.online])).toEqual([['g1', false], ['g2', false]]);
    gates.stop();
  });
});

describe('typical day', () => {
  const zone = 'Asia/Tokyo';
  const now = Date.parse('2026-11-26T10:07:00+09:00'); // a Thursday

  it('fetches today and the same weekday of the 4 weeks before, from local midnight', () => {
    const { today, earlier } = daysToFetch(zone, now);
    expect(new Date(today).toISOString()).toBe('2026-11-25T15:00:00.000Z');
    expect(earlier.map((d) => new Date(d).toISOString())).toEqual([
      '2026-11-18T15:00:00.000Z',
      '2026-11-11T15:00:00.000Z',
      '2026-11-04T15:00:00.000Z',
      '2026-10-28T15:00:00.000Z',
    ]);
    expect(earlier.map((d) => weekdayOf(zone, d))).toEqual([4, 4, 4, 4]);
  });

  it('keeps a DST zone on the same local weekday and midnight', () => {
    const { earlier } = daysToFetch('Europe/Berlin', Date.parse('2026-11-05T12:00:00+01:00'));
    // 2026-10-25 is the change from CEST to CET: midnight before it is at +02:00
    expect(new Date(earlier[0]!).toISOString()).toBe('2026-10-28T23:00:00.000Z');
    expect(new Date(earlier[1]!).toISOString()).toBe('2026-10-21T22:00:00.000Z');
  });

  it('averages each 15-minute slot over the days that have it', () => {
    const day = Date.parse('2026-11-18T15:00:00Z');
    const a = bySlot([{ t: '2026-11-18T15:00:00Z', occupied: 10 }, { t: '2026-11-18T15:15:00Z', occupied: 20 }], day);
    const b = bySlot([{ t: '2026-11-11T15:00:00Z', occupied: 30 }], Date.parse('2026-11-11T15:00:00Z'));
    const typical = typicalDay([a, b]);
    expect(typical.slice(0, 3)).toEqual([20, 20, null]);
    expect(typical).toHaveLength(96);
    expect(bySlot([{ t: '2026-11-19T15:00:00Z', occupied: 1 }], day).every((v) => v === null)).toBe(true); // the next day is not this one
  });

  it("puts the live status' forecast points (contract: forecast.points[].at, occupied) on the nearest slots of today", () => {
    const day = Date.parse('2026-11-25T15:00:00Z');
    const fc = forecastSlots([{ at: '2026-11-26T01:37:00Z', occupied: 40 }, { at: '2026-11-26T02:07:00Z', occupied: 44 }, { at: '2026-11-26T15:30:00Z', occupied: 1 }], day);
    expect(fc.flatMap((v, i) => (v === null ? [] : [[i, v]]))).toEqual([[42, 40], [44, 44]]); // 10:37 → 10:30 slot, 11:07 → 11:00; tomorrow left out
  });
});
