import { describe, expect, it } from 'vitest';
import { parseHistoryCsv } from '../../protocol/index.js';
import { birminghamToCsv, parseInput } from '../../bin/forecast-formats.js';
import { seriesOf } from '../../bin/forecast-series.js';

describe('history CSV (lot,time,occupied,capacity)', () => {
  it('reads good rows and reports every bad one with its line number', () => {
    const text = [
      'lot,time,occupied,capacity',
      'a,2026-11-26T08:00:00+09:00,120,200',
      'a,2026-11-26 08:30:00,121,200', // no offset
      'a,2026-11-26T09:00:00Z,12.5,200', // not whole
      '',
      'a,2026-11-26T09:30:00Z,130', // 3 columns
      ',2026-11-26T10:00:00Z,130,200', // no lot
      'b,2026-11-26T10:00:00Z,5,0', // capacity 0
      'b,2026-11-26T10:30:00Z,210,200', // above capacity: real counters drift; kept and counted
      'b,2026-11-26T11:00:00Z,x,200',
    ].join('\n');
    const parsed = parseHistoryCsv(text);
    expect(parsed.rows).toEqual([
      { lot: 'a', timeMs: Date.parse('2026-11-25T23:00:00Z'), occupied: 120, capacity: 200 },
      { lot: 'b', timeMs: Date.parse('2026-11-26T10:30:00Z'), occupied: 210, capacity: 200 },
    ]);
    expect(parsed.outOfRange).toBe(1);
    expect(parsed.errors.map((e) => e.line)).toEqual([3, 4, 6, 7, 8, 10]);
    expect(parsed.errors[0]!.message).toMatch(/time must be ISO 8601 with an offset or Z/);
    expect(parsed.errors[1]!.message).toMatch(/occupied must be a whole number/);
    expect(parsed.errors[2]!.message).toMatch(/expected 4 columns .* found 3/);
    expect(parsed.errors[3]!.message).toMatch(/lot is empty/);
    expect(parsed.errors[4]!.message).toMatch(/capacity must be positive/);
  });

  it('wants the header on line 1', () => {
    expect(parseHistoryCsv('a,2026-11-26T08:00:00Z,1,2\n').errors).toEqual([{ line: 1, message: 'the first line must be the header "lot,time,occupied,capacity"' }]);
  });

  it('groups rows by lot, sorted by time, a later duplicate last', () => {
    const parsed = parseHistoryCsv('lot,time,occupied,capacity\nb,2026-11-26T09:00:00Z,3,10\na,2026-11-26T09:00:00Z,1,10\nb,2026-11-26T08:00:00Z,2,10\nb,2026-11-26T09:00:00Z,4,10\n');
    const series = seriesOf(parsed);
    expect(series.map((s) => s.lot)).toEqual(['b', 'a']);
    expect(series[0]!.samples.map((s) => s.occupied)).toEqual([2, 3, 4]);
  });
});

describe('the Birmingham format', () => {
  it('reads local Europe/London times across the end of summer time, and keeps line numbers for bad rows', () => {
    const text = [
      'SystemCodeNumber,Capacity,Occupancy,LastUpdated',
      'BHMBCCMKT01,577,61,2016-10-29 12:00:00', // BST
      'BHMBCCMKT01,577,64,2016-10-31 12:00:00', // GMT
      'BHMBCCMKT01,577,64,31/10/2016 12:30', // not the format
      'BHMBCCMKT01,577,-2,2016-10-31 13:00:00', // below zero: kept, counted
    ].join('\n');
    expect(birminghamToCsv(text, 'Europe/London').split('\n').slice(1, 3)).toEqual([
      'BHMBCCMKT01,2016-10-29T11:00:00.000Z,61,577',
      'BHMBCCMKT01,2016-10-31T12:00:00.000Z,64,577',
    ]);
    const parsed = parseInput(text, 'birmingham', 'Europe/London');
    expect(parsed.rows).toHaveLength(3);
    expect(parsed.outOfRange).toBe(1);
    expect(parsed.errors.map((e) => e.line)).toEqual([4]);
  });

  it('refuses a file without the Birmingham header', () => {
    expect(() => birminghamToCsv('lot,time,occupied,capacity\n', 'Europe/London')).toThrow(/line 1: a Birmingham file starts with the header/);
  });
});
