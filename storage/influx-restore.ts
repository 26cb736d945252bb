/**
 * Restore from InfluxDB: per sensor, the reading with the highest lot_seq (its reference state);
 * per lot, the raw count of its point with the highest lot_seq in any measurement.
 */
import type { InfluxDB, IResults } from 'influx';
import { FIELD, ident, lotIs, TAG } from './influx-schema.js';
import { MEASUREMENT, sensorStateOf, type ReadingPoint } from './points.js';
import type { StoredLot } from './port.js';

type Row = Record<string, unknown>;

export async function restoreFromInflux(influx: InfluxDB, lotIds: readonly string[]): Promise<Map<string, StoredLot>> {
  const restored = new Map<string, StoredLot>();
  if (lotIds.length === 0) return restored;
  const where = lotIs(lotIds);
  const lotSeq = `max(${ident(FIELD.lotSeq)}) AS ${FIELD.lotSeq}`;
  const sensorFields = [FIELD.boot, FIELD.seq, FIELD.in, FIELD.out, FIELD.outcome].map(ident).join(', ');
  const everyMeasurement = Object.values(MEASUREMENT).map(ident).join(', ');
  // max("lot_seq") is a selector: the other fields come from that same point. The sensor's
  // point with the highest lotSeq is its reference state; the lot's (in any measurement)
  // carries the count after everything before it. Event times need not be in order for this.
  const [sensorRows, lastRows] = (await influx.query(
    [
      `SELECT ${lotSeq}, ${sensorFields} FROM ${ident(MEASUREMENT.reading)} WHERE ${where} GROUP BY ${ident(TAG.lot)}, ${ident(TAG.sensor)}`,
      // lot_seq > 0: imported history (lotSeq 0, storage/history-import.ts) is never a lot's current state.
      `SELECT ${lotSeq}, ${ident(FIELD.occupiedRaw)} FROM ${everyMeasurement} WHERE ${where} AND ${ident(FIELD.lotSeq)} > 0 GROUP BY ${ident(TAG.lot)}`,
    ],
    { precision: 'ms' },
  )) as unknown as [IResults<Row>, IResults<Row>];
  for (const row of lastRows) {
    const lot = String(row[TAG.lot]);
    const lastSeq = Number(row[FIELD.lotSeq]);
    const prev = restored.get(lot);
    if (!prev || lastSeq > prev.lastSeq) restored.set(lot, { occupiedRaw: Number(row[FIELD.occupiedRaw]), sensors: {}, lastSeq });
  }
  for (const row of sensorRows) {
    const entry = restored.get(String(row[TAG.lot]));
    if (!entry) continue;
    entry.sensors[String(row[TAG.sensor])] = sensorStateOf({
      boot: Number(row[FIELD.boot]),
      seq: Number(row[FIELD.seq]),
      in: Number(row[FIELD.in]),
      out: Number(row[FIELD.out]),
      timeMs: (row.time as Date).getTime(),
      outcome: String(row[FIELD.outcome]) as ReadingPoint['outcome'],
    });
  }
  return restored;
}
