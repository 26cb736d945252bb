/**
 * Restore from InfluxDB: per sensor, the reading with the highest lot_seq (its reference state);
 * per lot, the raw count of its reading or calibration with the highest lot_seq, and the highest
 * lot_seq of any measurement (where the lot's sequence goes on). History points (`lot_occupancy`)
 * carry a raw count too, but not one to restore: the history writer writes a point up to a second
 * after its time, after readings it does not include (ingest/history-writer.ts). They do give
 * the level last shown (not 'unknown'), which the hysteresis goes on from.
 */
import type { InfluxDB, IResults } from 'influx';
import { Level } from '../protocol/index.js';
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
  const countCarriers = [MEASUREMENT.reading, MEASUREMENT.calibration].map(ident).join(', ');
  // lot_seq > 0: imported history (lotSeq 0, storage/history-import.ts) is never a lot's current state.
  const live = `${where} AND ${ident(FIELD.lotSeq)} > 0`;
  // max("lot_seq") is a selector: the other fields come from that same point. The sensor's
  // point with the highest lotSeq is its reference state; the lot's reading or calibration with
  // the highest carries the count after everything before it. Event times need not be in order.
  const [sensorRows, countRows, seqRows, levelRows] = (await influx.query(
    [
      `SELECT ${lotSeq}, ${sensorFields} FROM ${ident(MEASUREMENT.reading)} WHERE ${where} GROUP BY ${ident(TAG.lot)}, ${ident(TAG.sensor)}`,
      `SELECT ${lotSeq}, ${ident(FIELD.occupiedRaw)} FROM ${countCarriers} WHERE ${live} GROUP BY ${ident(TAG.lot)}`,
      `SELECT ${lotSeq} FROM ${everyMeasurement} WHERE ${live} GROUP BY ${ident(TAG.lot)}`,
      // The level last shown, for the hysteresis after a restart; 'unknown' (stale) hides it.
      `SELECT ${lotSeq}, ${ident(FIELD.level)} FROM ${ident(MEASUREMENT.occupancy)} WHERE ${live} AND ${ident(FIELD.level)} != 'unknown' GROUP BY ${ident(TAG.lot)}`,
    ],
    { precision: 'ms' },
  )) as unknown as [IResults<Row>, IResults<Row>, IResults<Row>, IResults<Row>];
  // One row per lot and measurement: the highest of each wins.
  const countSeq = new Map<string, number>();
  for (const row of seqRows) {
    const lot = String(row[TAG.lot]);
    const lastSeq = Number(row[FIELD.lotSeq]);
    const prev = restored.get(lot);
    if (!prev) restored.set(lot, { occupiedRaw: 0, sensors: {}, lastSeq });
    else prev.lastSeq = Math.max(prev.lastSeq, lastSeq);
  }
  for (const row of countRows) {
    const lot = String(row[TAG.lot]);
    const seq = Number(row[FIELD.lotSeq]);
    const entry = restored.get(lot);
    if (!entry || seq <= (countSeq.get(lot) ?? 0)) continue;
    countSeq.set(lot, seq);
    entry.occupiedRaw = Number(row[FIELD.occupiedRaw]);
  }
  for (const row of levelRows) {
    const entry = restored.get(String(row[TAG.lot]));
    // Read back from the database: checked against the protocol's levels, like any boundary.
    const level = Level.safeParse(row[FIELD.level]);
    if (entry && level.success && level.data !== 'unknown') entry.level = level.data;
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
