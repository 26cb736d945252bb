import { afterEach, describe, expect, it, vi } from 'vitest';
import type { StorePoint } from '../../storage/index.js';
import { createHistoryWriter } from '../../ingest/index.js';
import type { LotStatus } from '../../protocol/index.js';

const status = (occupied: number, level: LotStatus['level'] = 'vacant', stale = false): LotStatus => ({
  lotId: 'lot-a', name: { ja: 'A', en: 'A' }, capacity: 100, occupied, available: 100 - occupied, occupancy: occupied / 100,
  level, label: level === 'vacant' ? '空' : level === 'crowded' ? '混' : level === 'full' ? '満' : '—', observedAt: null, stale,
});

afterEach(() => vi.useRealTimers());

describe('history writer', () => {
  it('writes level and staleness changes at once, coalesces count-only changes per interval, flushes on stop', () => {
    vi.useFakeTimers();
    const points: StorePoint[] = [];
    let seq = 0;
    const w = createHistoryWriter({ store: { write: (p) => void points.push(...p) }, nextSeq: () => ++seq, intervalMs: 1000 });
    w.record(status(10), 10, 1); // first shape: at once
    w.record(status(11), 11, 2); // count only: pending
    w.record(status(12), 12, 3); // replaces the pending one
    expect(points.map((p) => (p as { occupied: number }).occupied)).toEqual([10]);
    vi.advanceTimersByTime(5000);
    expect(points).toHaveLength(1); // inert until started
    w.start();
    vi.advanceTimersByTime(1000);
    expect(points.map((p) => (p as { occupied: number }).occupied)).toEqual([10, 12]);
    w.record(status(85, 'crowded'), 85, 4); // level change: at once, with its exact time
    w.record(status(86, 'crowded'), 86, 5);
    w.stop();
    expect(points.map((p) => [(p as { occupied: number }).occupied, p.timeMs, p.lotSeq])).toEqual([
      [10, 1, 1],
      [12, 3, 2],
      [85, 4, 3],
      [86, 5, 4],
    ]);
  });

  it('keeps the last point of each window of the points\' own time, however late the timer runs', () => {
    vi.useFakeTimers();
    const points: StorePoint[] = [];
    let seq = 0;
    const w = createHistoryWriter({ store: { write: (p) => void points.push(...p) }, nextSeq: () => ++seq, intervalMs: 1000 });
    w.start();
    w.record(status(10), 10, 0); // first shape: at once
    w.record(status(11), 11, 400);
    w.record(status(12), 12, 999); // the last of window 0
    w.record(status(13), 13, 1000); // window 1: window 0's last point is written first
    w.record(status(14), 14, 5200); // window 5: window 1's too
    expect(points.map((p) => [(p as { occupied: number }).occupied, p.timeMs])).toEqual([[10, 0], [12, 999], [13, 1000]]);
    vi.advanceTimersByTime(1000);
    expect(points.map((p) => p.timeMs)).toEqual([0, 999, 1000, 5200]);
  });

  it('writes a window\'s last count before a level change in a later window, however late the timer runs', () => {
    vi.useFakeTimers();
    const points: StorePoint[] = [];
    let seq = 0;
    const w = createHistoryWriter({ store: { write: (p) => void points.push(...p) }, nextSeq: () => ++seq, intervalMs: 1000 });
    w.start();
    w.record(status(70), 70, 0); // first shape: at once
    w.record(status(74), 74, 899_000); // count only, the last state of 14:59 (say)
    w.record(status(85, 'crowded'), 85, 900_000); // a level change in the next window: 74 must not be lost
    w.record(status(86, 'crowded'), 86, 900_100); // count only, same window as the change
    w.record(status(20, 'vacant'), 20, 900_200); // level change in the same window: 86 is superseded
    expect(points.map((p) => [(p as { occupied: number }).occupied, p.timeMs])).toEqual([[70, 0], [74, 899_000], [85, 900_000], [20, 900_200]]);
  });
});
