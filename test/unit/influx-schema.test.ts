/**
 * The InfluxDB layout against the point schemas: every property of every point is stored (as a
 * tag or a field), under one name, and the timestamp keeps points that share a millisecond apart.
 */
import { describe, expect, it } from 'vitest';
import { FIELD, INFLUX_SCHEMA, lotIs, pointTimeNs, toInfluxPoint } from '../../storage/influx-schema.js';
import { StorePoint } from '../../storage/index.js';

const reading: StorePoint = {
  measurement: 'sensor_reading', lotId: 'lot-a', sensorId: 'g1', timeMs: 1764000000123, lotSeq: 42,
  boot: 1, seq: 2, in: 3, out: 1, outcome: 'applied', occupiedRaw: 2, skewMs: -40,
};
const occupancy: StorePoint = {
  measurement: 'lot_occupancy', lotId: 'lot-a', timeMs: 1764000000123, lotSeq: 43, occupied: 2, occupiedRaw: 2, capacity: 10, level: 'vacant', stale: false,
};
const calibration: StorePoint = {
  measurement: 'lot_calibration', lotId: 'lot-a', timeMs: 1764000000123, lotSeq: 44, requestId: 'r1', occupied: 5, previousRaw: 2, occupiedRaw: 5,
};

describe('InfluxDB layout', () => {
  it('has one measurement per point kind, named as the point', () => {
    expect(INFLUX_SCHEMA.map((m) => m.measurement).sort()).toEqual(StorePoint.options.map((o) => o.shape.measurement.value).sort());
  });

  it('stores every property of every point as a tag or a declared field (time as the timestamp)', () => {
    for (const p of [reading, occupancy, calibration]) {
      const { tags = {}, fields = {} } = toInfluxPoint(p);
      const schema = INFLUX_SCHEMA.find((m) => m.measurement === p.measurement)!;
      const properties = Object.entries(p).filter(([key]) => key !== 'measurement' && key !== 'timeMs');
      for (const [key, value] of properties) {
        if (key in FIELD) expect(fields[FIELD[key as keyof typeof FIELD]], `${p.measurement}.${key}`).toBe(value);
        else expect(Object.values(tags), `${p.measurement}.${key}`).toContain(value);
      }
      expect(Object.keys(tags).length + Object.keys(fields).length).toBe(properties.length);
      expect(Object.keys(fields).sort()).toEqual(Object.keys(schema.fields).sort());
      expect(Object.keys(tags).sort()).toEqual([...schema.tags].sort());
    }
  });

  it('stamps a point with its event time in ms and its lotSeq as the nanoseconds', () => {
    expect(pointTimeNs(reading)).toBe('1764000000123000042');
    expect(toInfluxPoint(occupancy).timestamp).toBe('1764000000123000043');
  });

  it('quotes lot ids in InfluxQL', () => {
    expect(lotIs(['a'])).toBe(`"lot" = 'a'`);
    expect(lotIs(['a', "b'c\\"])).toBe(`("lot" = 'a' OR "lot" = 'b\\'c\\\\')`);
  });
});
