/** The pure parts of import-history and /forecast: checking a whole file, the points it becomes, horizon lists. */
import { describe, expect, it } from 'vitest';
import { parseHorizons } from '../../api/routes/forecast.js';
import { checkHistoryCsv } from '../../bin/import-history.js';
import { DEFAULT_THRESHOLDS } from '../../core/index.js';
import { importedPoints } from '../../storage/index.js';

const csv = (...rows: string[]) => ['lot,time,occupied,capacity', ...rows].join('\n');
const NOW = Date.parse('2026-11-26T00:00:00Z');
const lots = [{ id: 'a' }, { id: 'b' }];

describe('checkHistoryCsv', () => {
  it('reports every bad row with its line number, blank lines counted', () => {
    const check = checkHistoryCsv(csv('a,2026-11-20T00:00:00Z,1,10', '', 'zz,2026-11-20T00:00:00Z,1,10', 'a,nope,1,10', 'b,2027-01-01T00:00:00Z,1,10'), lots, NOW);
    expect(check.errors.map((e) => [e.line, e.message.split(' ').slice(0, 2).join(' ')])).toEqual([
      [4, 'lot "zz"'],
      [5, 'time: time'],
      [6, 'time 2027-01-01T00:00:00.000Z'],
    ]);
  });

  it('groups rows by lot in time order; a later row at the same time wins', () => {
    const check = checkHistoryCsv(csv('a,2026-11-20T01:00:00Z,2,10', 'a,2026-11-20T00:00:00Z,1,10', 'a,2026-11-20T01:00:00Z,3,10', 'b,2026-11-20T00:00:00Z,7,10'), lots, NOW);
    expect(check.errors).toEqual([]);
    expect(check.duplicates).toBe(1);
    expect(check.byLot.get('a')!.map((r) => r.occupied)).toEqual([1, 3]);
    expect(check.byLot.get('b')!.map((r) => r.occupied)).toEqual([7]);
  });
});

describe('importedPoints', () => {
  const rows = [0, 15, 30, 180].map((min, i) => ({ lot: 'a', timeMs: NOW - 86_400_000 + min * 60_000, occupied: [5, 9, 12, 3][i]!, capacity: 10 }));

  it('levels with hysteresis, clamped occupancy (raw kept), lotSeq 0, and an unknown mark (lotSeq −1) after a gap and after the end', () => {
    const points = importedPoints(rows, { id: 'a', thresholds: DEFAULT_THRESHOLDS }, { maxGapMs: 3_600_000, nowMs: NOW });
    expect(points.map((p) => [(p.timeMs - rows[0]!.timeMs) / 60_000, p.occupied, p.occupiedRaw, p.level, p.stale, p.lotSeq])).toEqual([
      [0, 5, 5, 'vacant', false, 0],
      [15, 9, 9, 'crowded', false, 0],
      [30, 10, 12, 'full', false, 0],
      [90, 10, 12, 'unknown', true, -1],
      [180, 3, 3, 'vacant', false, 0],
      [240, 3, 3, 'unknown', true, -1],
    ]);
  });

  it('never marks a gap in the future', () => {
    const points = importedPoints(rows.slice(0, 1), { id: 'a', thresholds: DEFAULT_THRESHOLDS }, { maxGapMs: 3_600_000, nowMs: rows[0]!.timeMs + 60_000 });
    expect(points).toHaveLength(1);
  });
});

describe('parseHorizons', () => {
  it('reads minutes and hours, sorted and deduplicated; names a horizon out of range', () => {
    expect(parseHorizons('60m,30m,1h,90')).toEqual([30, 60, 90]);
    expect(parseHorizons('181m')).toMatch(/1 to 180 minutes, not 181/);
    expect(parseHorizons('0')).toMatch(/not 0/);
  });
});
