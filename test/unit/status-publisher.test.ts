import { afterEach, describe, expect, it, vi } from 'vitest';
import { oneLot } from '../support/fixtures.js';
import { createLedger, createStatusPublisher } from '../../ingest/index.js';
import type { LotStatus } from '../../protocol/index.js';

const lots = oneLot({ staleAfterS: 60 });
const reading = (seq: number, i: number) => Buffer.from(JSON.stringify({ boot: 1, seq, ts: 0, in: i, out: 0 }));

afterEach(() => vi.useRealTimers());

function setup() {
  vi.useFakeTimers();
  let now = 1_000_000;
  const clock = { now: () => now };
  const published: LotStatus[] = [];
  const recorded: number[] = [];
  const ledger = createLedger({ lots, clock, store: { write() {} }, onChange: (id) => statuses.changed(id) });
  const statuses = createStatusPublisher({
    ledger,
    clock,
    history: { record: (s) => void recorded.push(s.occupied) },
    publish: (_lotId, s) => void published.push(s),
    intervalMs: 5,
    lotIntervalMs: 1000,
    refreshMs: 10_000,
    tickMs: 1000,
  });
  return { ledger, statuses, published, recorded, advance: (ms: number) => ((now += ms), vi.advanceTimersByTime(ms)) };
}

describe('status publisher', () => {
  it('publishes the first change on the next turn and coalesces a burst into one status', () => {
    const { ledger, published, recorded, advance } = setup();
    ledger.handle('parking/v1/lot-a/g1/counter', reading(1, 1));
    advance(0);
    for (let s = 2; s <= 50; s++) ledger.handle('parking/v1/lot-a/g1/counter', reading(s, s));
    advance(5);
    expect(published.map((s) => s.occupied)).toEqual([1, 10]);
    expect(recorded).toEqual([1, 10]);
  });

  it('goes stale with the clock on its ticker, and republishes an unchanged status only every refreshMs', () => {
    const { ledger, statuses, published, advance } = setup();
    ledger.handle('parking/v1/lot-a/g1/counter', reading(1, 1));
    advance(0);
    statuses.start();
    advance(30_000);
    expect(published.filter((s) => !s.stale)).toHaveLength(1); // observedAt unchanged: nothing new to say
    advance(31_000);
    expect(published.at(-1)).toMatchObject({ stale: true, level: 'unknown' });
    statuses.stop();
    const n = published.length;
    advance(120_000);
    expect(published).toHaveLength(n);
  });

  it('holds a lot\'s count-only changes to one status per lotIntervalMs and then sends the latest; history hears each', () => {
    const { ledger, published, recorded, advance } = setup();
    ledger.handle('parking/v1/lot-a/g1/counter', reading(1, 1));
    advance(0);
    ledger.handle('parking/v1/lot-a/g1/counter', reading(2, 2));
    advance(5);
    ledger.handle('parking/v1/lot-a/g1/counter', reading(3, 3));
    advance(5);
    expect(published.map((s) => s.occupied)).toEqual([1]);
    expect(recorded).toEqual([1, 2, 3]);
    advance(989);
    expect(published.map((s) => s.occupied)).toEqual([1]);
    advance(1);
    expect(published.map((s) => s.occupied)).toEqual([1, 3]);
    advance(5000);
    expect(published.map((s) => s.occupied)).toEqual([1, 3]); // nothing held: nothing more
  });

  it('never holds back a change of level', () => {
    const { ledger, published, advance } = setup();
    ledger.handle('parking/v1/lot-a/g1/counter', reading(1, 1));
    advance(0);
    ledger.handle('parking/v1/lot-a/g1/counter', reading(2, 2));
    advance(5);
    ledger.handle('parking/v1/lot-a/g1/counter', reading(3, 10));
    advance(5);
    expect(published.map((s) => [s.occupied, s.level])).toEqual([
      [1, 'vacant'],
      [10, 'full'],
    ]);
  });

  it('sends what it holds when stopped', () => {
    const { ledger, statuses, published, advance } = setup();
    ledger.handle('parking/v1/lot-a/g1/counter', reading(1, 1));
    advance(0);
    ledger.handle('parking/v1/lot-a/g1/counter', reading(2, 2));
    advance(5);
    statuses.stop();
    expect(published.map((s) => s.occupied)).toEqual([1, 2]);
  });
});
