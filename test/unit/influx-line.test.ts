/**
 * Our line protocol is the text npm `influx` writes for the same points: its parsePoint (schema
 * coercion) and escape functions, joined as its writePoints joins them, for seeded random points
 * of every kind, with awkward strings where the schema allows any.
 */
import { describe, expect, it } from 'vitest';
import { toLine, toLines } from '../../storage/influx-line.js';
import { pointTimeNs } from '../../storage/influx-schema.js';
import { OUTCOME_KINDS } from '../../core/index.js';
import type { StorePoint } from '../../storage/index.js';
import { npmInfluxLine } from '../../testkit/npm-influx-line.js';
import { seededRandom } from '../../testkit/occupancy-weeks.js';

function randomPoint(rnd: () => number): StorePoint {
  const int = (max: number) => Math.floor(rnd() * max);
  const id = () => `lot-${int(1000)}${rnd() < 0.2 ? '-x' : ''}`;
  const awkward = () => ['r1', 'a "quoted" id', 'back\\slash', 'comma,equals=space here', "it's", '日本語', ''][int(7)]!;
  const base = { lotId: id(), timeMs: 1_764_000_000_000 + int(1e9), lotSeq: int(3_000_000) };
  switch (int(3)) {
    case 0:
      return {
        measurement: 'sensor_reading', ...base, sensorId: `g${int(50)}`, boot: int(5), seq: int(1e6), in: int(1e6), out: int(1e6),
        outcome: rnd() < 0.1 ? 'reset' : OUTCOME_KINDS[int(OUTCOME_KINDS.length)]!, occupiedRaw: int(2000) - 1000, skewMs: int(600_000) - 300_000,
      };
    case 1:
      return { measurement: 'lot_occupancy', ...base, occupied: int(500), occupiedRaw: int(600) - 50, capacity: 500, level: (['vacant', 'crowded', 'full', 'unknown'] as const)[int(4)]!, stale: rnd() < 0.5 };
    default:
      return { measurement: 'lot_calibration', ...base, requestId: awkward(), occupied: int(500), previousRaw: int(600) - 50, occupiedRaw: int(500) };
  }
}

describe('InfluxDB line protocol', () => {
  it('is what npm influx writes, for 5,000 seeded points of every kind', () => {
    const rnd = seededRandom(20261126);
    const points = Array.from({ length: 5000 }, () => randomPoint(rnd));
    expect(points.map(toLine)).toEqual(points.map(npmInfluxLine));
  });

  it('escapes quotes and backslashes in string fields, and floors a fractional integer field as npm influx does', () => {
    const p: StorePoint = { measurement: 'lot_calibration', lotId: 'a', timeMs: 1, lotSeq: 2, requestId: 'say "hi" \\o/', occupied: 3, previousRaw: 1, occupiedRaw: 3 };
    expect(toLine(p)).toBe('lot_calibration,lot=a lot_seq=2i,occupied=3i,occupied_raw=3i,previous_raw=1i,request_id="say \\"hi\\" \\\\o/" 1000002');
    const r = { ...randomPoint(seededRandom(1)), measurement: 'sensor_reading', sensorId: 'g', boot: 0, seq: 0, in: 0, out: 0, outcome: 'applied', occupiedRaw: 0, skewMs: -0.5 } as StorePoint;
    expect(toLine(r)).toBe(npmInfluxLine(r));
    expect(toLine(r)).toContain('skew_ms=-1i');
  });

  it('joins a batch one point per line', () => {
    const rnd = seededRandom(7);
    const points = Array.from({ length: 3 }, () => randomPoint(rnd));
    expect(toLines(points)).toBe(points.map(npmInfluxLine).join('\n'));
  });

  it('stamps the same nanoseconds as the BigInt arithmetic, also at the edges', () => {
    const rnd = seededRandom(99);
    const big = (timeMs: number, lotSeq: number) => (BigInt(Math.trunc(timeMs)) * 1_000_000n + BigInt(lotSeq % 1_000_000)).toString();
    const cases = [[1, 0], [1, 999_999], [1, 1_000_000], [0, 5], [0.7, 5], [-3, 5], [1_764_000_000_123.9, 42], [Number.MAX_SAFE_INTEGER, 7]];
    for (let i = 0; i < 2000; i++) cases.push([Math.floor(rnd() * 2e12), Math.floor(rnd() * 5e6)]);
    expect(cases.map(([timeMs, lotSeq]) => pointTimeNs({ timeMs: timeMs!, lotSeq: lotSeq! }))).toEqual(cases.map(([timeMs, lotSeq]) => big(timeMs!, lotSeq!)));
  });
});
