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
});
