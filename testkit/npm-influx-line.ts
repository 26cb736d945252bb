// testkit: helpers shared by tests and benchmarks (both import testkit/; tests never import bench/).
/**
 * The line npm `influx`'s writePoints sends for one of our points: its parsePoint (schema
 * coercion) and escape functions, joined as writePoints joins them
 * (node_modules/influx/lib/src/index.js). The reference storage/influx-line.ts is held to, and
 * the cost it replaced (bench ingest-cpu --lines npm).
 */
import { escape, InfluxDB } from 'influx';
import { INFLUX_SCHEMA, toInfluxPoint } from '../storage/influx-schema.js';
import type { StorePoint } from '../storage/index.js';

// No request is made: parsePoint only coerces against the schema.
const influx = new InfluxDB({ host: '127.0.0.1', database: 'reference', schema: INFLUX_SCHEMA });

export function npmInfluxLine(p: StorePoint): string {
  const { measurement, tags, fieldsPairs, tagsNames, castedTimestamp } = influx.parsePoint(toInfluxPoint(p), { precision: 'n' });
  let line = measurement;
  for (const t of tagsNames) line += `,${escape.tag(t)}=${escape.tag(tags![t]!)}`;
  fieldsPairs.forEach(([k, v], i) => (line += `${i === 0 ? ' ' : ','}${escape.tag(k)}=${v}`));
  return `${line} ${castedTimestamp}`;
}
