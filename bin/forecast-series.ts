import type { LotSeries } from '../core/index.js';
import type { ParsedHistoryCsv } from '../protocol/index.js';

/** Rows grouped by lot, each lot's sorted by time (stable: of two rows at one time the later line wins). */
export function seriesOf(parsed: ParsedHistoryCsv): LotSeries[] {
  const byLot = new Map<string, LotSeries>();
  for (const r of parsed.rows) {
    let s = byLot.get(r.lot);
    if (!s) byLot.set(r.lot, (s = { lot: r.lot, samples: [] }));
    s.samples.push({ timeMs: r.timeMs, occupied: r.occupied, capacity: r.capacity });
  }
  for (const s of byLot.values()) s.samples.sort((a, b) => a.timeMs - b.timeMs);
  return [...byLot.values()];
}
