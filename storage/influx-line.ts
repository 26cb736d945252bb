/**
 * InfluxDB 1.x line protocol for our points, built straight from a StorePoint: the same text npm
 * `influx` writes for the schema in influx-schema.ts (tags in the schema's order, fields sorted, integers as
 * `Ni`, booleans as `T`/`F`, strings quoted), without its per-point objects, schema coercion and
 * regex escaping of names that never need it. Every stored point goes through here: in the
 * ingest profiles npm `influx`'s line building was a visible share of the store's CPU.
 * https://docs.influxdata.com/influxdb/v1/write_protocols/line_protocol_reference/
 */
import { FieldType } from 'influx';
import { FIELD, INFLUX_SCHEMA, pointTimeNs, TAG } from './influx-schema.js';
import type { StorePoint } from './points.js';

type Values = Record<string, string | number | boolean>;

/** Tag keys and values, field keys: comma, equals sign and space are escaped. */
const TAG_SPECIAL = /[,= ]/;
const escapeTag = (s: string) => (TAG_SPECIAL.test(s) ? s.replace(/[,= ]/g, '\\$&') : s);
/** String field values: double quote and backslash are escaped, the whole quoted. */
const quoted = (s: string) => `"${/["\\]/.test(s) ? s.replace(/["\\]/g, '\\$&') : s}"`;

function encoder(type: FieldType): (v: string | number | boolean) => string {
  switch (type) {
    case FieldType.INTEGER:
      return (v) => `${Math.floor(v as number)}i`;
    case FieldType.BOOLEAN:
      return (v) => (v ? 'T' : 'F');
    case FieldType.STRING:
      return (v) => quoted(String(v));
    default:
      return (v) => String(v);
  }
}

/** Stored name -> point property (the inverse of the layout's naming). */
const TAG_PROPERTY: Record<string, string> = { [TAG.lot]: 'lotId', [TAG.sensor]: 'sensorId' };
const FIELD_PROPERTY = Object.fromEntries(Object.entries(FIELD).map(([property, stored]) => [stored, property])) as Record<string, string>;

/** Per measurement, worked out once: `measurement,` prefix parts, then each tag and field with its encoder. */
const PLANS = new Map(
  INFLUX_SCHEMA.map((m) => [
    m.measurement,
    {
      measurement: m.measurement,
      tags: m.tags.map((t) => ({ prefix: `,${escapeTag(t)}=`, property: TAG_PROPERTY[t]! })),
      fields: Object.keys(m.fields)
        .sort()
        .map((f, i) => ({ prefix: `${i === 0 ? ' ' : ','}${escapeTag(f)}=`, property: FIELD_PROPERTY[f]!, encode: encoder(m.fields[f]!) })),
    },
  ]),
);

/**
 * One point as a line (no trailing newline), timestamped in ns (write with precision=n).
 * @example toLine({ measurement: 'lot_calibration', lotId: 'a', timeMs: 1, lotSeq: 2, requestId: 'r', occupied: 3, previousRaw: 1, occupiedRaw: 3 })
 * // 'lot_calibration,lot=a lot_seq=2i,occupied=3i,occupied_raw=3i,previous_raw=1i,request_id="r" 1000002'
 */
export function toLine(p: StorePoint): string {
  const plan = PLANS.get(p.measurement)!;
  const values = p as unknown as Values;
  let line = plan.measurement;
  for (const t of plan.tags) line += t.prefix + escapeTag(String(values[t.property]));
  for (const f of plan.fields) line += f.prefix + f.encode(values[f.property]!);
  return `${line} ${pointTimeNs(p)}`;
}

/** A batch as one request body. */
export const toLines = (points: readonly StorePoint[]): string => points.map(toLine).join('\n');
