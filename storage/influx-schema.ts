/**
 * How points are laid out in InfluxDB 1.x, defined once for the writer, restore and the history
 * reader: measurement names (those of the points), tag and field names, field types.
 * Every integer field is declared INTEGER: otherwise npm `influx` writes floats and a later
 * integer write fails with 400 "field type conflict".
 */
import { FieldType, type IPoint, type ISchemaOptions } from 'influx';
import { MEASUREMENT, type StorePoint } from './points.js';

/** Stored names of the point properties that are fields (snake_case, as InfluxQL is written). */
export const FIELD = {
  boot: 'boot',
  seq: 'seq',
  in: 'in',
  out: 'out',
  outcome: 'outcome',
  skewMs: 'skew_ms',
  lotSeq: 'lot_seq',
  occupied: 'occupied',
  occupiedRaw: 'occupied_raw',
  previousRaw: 'previous_raw',
  capacity: 'capacity',
  level: 'level',
  stale: 'stale',
  requestId: 'request_id',
} as const;

export const TAG = { lot: 'lot', sensor: 'sensor' } as const;

type Layout<P> = {
  /** Tag name -> the point property it holds. */
  tags: Partial<Record<(typeof TAG)[keyof typeof TAG], keyof P>>;
  /** Point property -> InfluxDB field type. */
  fields: Partial<Record<keyof P & keyof typeof FIELD, FieldType>>;
};

const { INTEGER, STRING, BOOLEAN } = FieldType;

const LAYOUT: { [M in StorePoint['measurement']]: Layout<Extract<StorePoint, { measurement: M }>> } = {
  [MEASUREMENT.reading]: {
    tags: { lot: 'lotId', sensor: 'sensorId' },
    fields: { boot: INTEGER, seq: INTEGER, in: INTEGER, out: INTEGER, occupiedRaw: INTEGER, lotSeq: INTEGER, skewMs: INTEGER, outcome: STRING },
  },
  [MEASUREMENT.occupancy]: {
    tags: { lot: 'lotId' },
    fields: { occupied: INTEGER, occupiedRaw: INTEGER, lotSeq: INTEGER, capacity: INTEGER, level: STRING, stale: BOOLEAN },
  },
  [MEASUREMENT.calibration]: {
    tags: { lot: 'lotId' },
    fields: { occupied: INTEGER, previousRaw: INTEGER, occupiedRaw: INTEGER, lotSeq: INTEGER, requestId: STRING },
  },
};

const layouts = Object.entries(LAYOUT) as Array<[StorePoint['measurement'], Layout<StorePoint>]>;

/** The npm `influx` schema, which types each field on write. */
export const INFLUX_SCHEMA: ISchemaOptions[] = layouts.map(([measurement, { tags, fields }]) => ({
  measurement,
  tags: Object.keys(tags),
  fields: Object.fromEntries(Object.entries(fields).map(([key, type]) => [FIELD[key as keyof typeof FIELD], type])),
}));

/**
 * The point's InfluxDB timestamp (ns, as a string: ms × 1e6 is past 2^53): its event time in ms,
 * with lotSeq mod 1e6 as the nanoseconds. InfluxDB keeps one point per series and timestamp, and
 * readings often share a millisecond (a sensor's ts, a burst stamped on receipt); lotSeq is unique
 * per lot, so they no longer overwrite each other, while a rewrite of the same point lands on the
 * same timestamp. Read back at ms precision the time is the event time unchanged.
 * @example pointTimeNs({ timeMs: 1764000000123, lotSeq: 42, ... }) // '1764000000123000042'
 */
export function pointTimeNs(p: Pick<StorePoint, 'timeMs' | 'lotSeq'>): string {
  const ms = Math.trunc(p.timeMs);
  // The usual case as text, without two BigInts per point: the same digits (unit-tested against the BigInt form).
  if (ms >= 1 && Number.isSafeInteger(ms) && p.lotSeq >= 0) return `${ms}${String(p.lotSeq % 1_000_000).padStart(6, '0')}`;
  return (BigInt(ms) * 1_000_000n + BigInt(p.lotSeq % 1_000_000)).toString();
}

// [stored name, point property] per measurement, worked out once: every stored point is converted.
const NAMES = Object.fromEntries(
  layouts.map(([m, { tags, fields }]) => [m, { tags: Object.entries(tags) as string[][], fields: Object.keys(fields).map((key) => [FIELD[key as keyof typeof FIELD], key]) }]),
) as Record<StorePoint['measurement'], { tags: string[][]; fields: string[][] }>;

/** A point as npm `influx` writes it (with precision 'n'). */
export function toInfluxPoint(p: StorePoint): IPoint {
  const names = NAMES[p.measurement];
  const values = p as unknown as Record<string, string | number | boolean>;
  const tags: Record<string, string> = {};
  const fields: Record<string, string | number | boolean> = {};
  for (const [tag, key] of names.tags) tags[tag!] = String(values[key!]);
  for (const [field, key] of names.fields) fields[field!] = values[key!]!;
  return { measurement: p.measurement, tags, fields, timestamp: pointTimeNs(p) };
}

/** `"name"`: an InfluxQL identifier. */
export const ident = (name: string) => `"${name}"`;

/**
 * An InfluxQL condition matching any of the lots (parenthesised when there are several, so it can
 * be joined with AND).
 * @example lotIs(['a']) // `"lot" = 'a'`
 * @example lotIs(['a', "b'c"]) // `("lot" = 'a' OR "lot" = 'b\'c')`
 */
export function lotIs(lotIds: readonly string[]): string {
  const each = lotIds.map((id) => `${ident(TAG.lot)} = '${id.replace(/[\\']/g, '\\$&')}'`);
  return each.length === 1 ? each[0]! : `(${each.join(' OR ')})`;
}
