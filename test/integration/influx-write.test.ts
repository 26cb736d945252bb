/**
 * The store's own HTTP write (storage/influx-write.ts) against a real influxd: lines land as npm
 * `influx` would have written them, and it fails the way the write buffer's retry rule reads:
 * a 400 is not retried, a refused connection and a server that never answers are.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { InfluxDB } from 'influx';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { isRetryableInfluxError } from '../../storage/influx-store.js';
import { toLines } from '../../storage/influx-line.js';
import { parseInfluxUrl } from '../../storage/influx-target.js';
import { createLineWriter, type LineWriter } from '../../storage/influx-write.js';
import type { StorePoint } from '../../storage/index.js';
import { freePort } from '../../testkit/wait.js';

const open: Array<LineWriter | Server> = [];
afterEach(async () => {
  for (const x of open.splice(0)) 'listening' in x ? await new Promise((r) => x.close(r)) : x.close();
});

const dbName = () => `manku_write_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;

function writer(url: string, timeoutMs = 2000) {
  const w = createLineWriter(parseInfluxUrl(url), { timeoutMs });
  open.push(w);
  return w;
}

/** A database of its own on the test's influxd, the npm `influx` client that reads it back, and our writer to it. */
async function freshDatabase() {
  const base = inject('influxUrl');
  const db = dbName();
  const influx = new InfluxDB(`${base}/${db}`);
  await influx.createDatabase(db);
  return { influx, write: writer(`${base}/${db}`), drop: () => influx.dropDatabase(db) };
}

const reading = (lotSeq: number, seq: number): StorePoint => ({
  measurement: 'sensor_reading', lotId: 'lot-a', sensorId: 'g1', timeMs: 1_764_000_000_000 + seq, lotSeq,
  boot: 1, seq, in: seq, out: 0, outcome: 'applied', occupiedRaw: seq, skewMs: -3,
});

describe('InfluxDB line writer', () => {
  it('writes a batch that reads back with its integer fields, tags and timestamps', async () => {
    const { influx, write, drop } = await freshDatabase();
    await write(toLines(Array.from({ length: 300 }, (_, i) => reading(i + 1, i + 1))));
    await write(toLines([{ measurement: 'lot_calibration', lotId: 'lot-a', timeMs: 1_764_000_001_000, lotSeq: 301, requestId: 'say "hi"', occupied: 5, previousRaw: 300, occupiedRaw: 5 }]));
    const [count] = await influx.query<{ count: number }>('SELECT count("seq") AS count FROM "sensor_reading" WHERE "sensor" = \'g1\'');
    expect(count?.count).toBe(300);
    const [last] = await influx.query<{ time: Date; in: number; skew_ms: number }>('SELECT last("in") AS "in", "skew_ms" FROM "sensor_reading"');
    expect(last).toMatchObject({ in: 300, skew_ms: -3 });
    const [cal] = await influx.query<{ request_id: string }>('SELECT "request_id" FROM "lot_calibration"');
    expect(cal?.request_id).toBe('say "hi"');
    const fields = await influx.query<{ fieldKey: string; fieldType: string }>('SHOW FIELD KEYS FROM "sensor_reading"');
    expect(Object.fromEntries(fields.map((f) => [f.fieldKey, f.fieldType]))).toMatchObject({ in: 'integer', seq: 'integer', skew_ms: 'integer', outcome: 'string' });
    await drop();
  });

  it('a field type conflict is a 400: rejected with its status and InfluxDB\'s reason, not retried', async () => {
    const { write, drop } = await freshDatabase();
    await write('m,lot=a v=1i 1000');
    const err = (await write('m,lot=a v="text" 2000').catch((e: unknown) => e)) as Error & { res?: { statusCode: number } };
    expect(err.res?.statusCode).toBe(400);
    expect(err.message).toMatch(/field type conflict/);
    expect(isRetryableInfluxError(err)).toBe(false);
    await drop();
  });

  it('a refused connection is retried', async () => {
    const port = await freePort();
    const err = (await writer(`http://127.0.0.1:${port}/nodb`)('m v=1i 1').catch((e: unknown) => e)) as Error & { code?: string };
    expect(err.code).toBe('ECONNREFUSED');
    expect(isRetryableInfluxError(err)).toBe(true);
  });

  it('a server that never answers times out and is retried', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((s) => sockets.push(s)).listen(0, '127.0.0.1');
    open.push(silent);
    await once(silent, 'listening');
    const { port } = silent.address() as { port: number };
    const err = (await writer(`http://127.0.0.1:${port}/nodb`, 200)('m v=1i 1').catch((e: unknown) => e)) as Error;
    for (const s of sockets) s.destroy();
    expect(err.message).toBe('Request timed out');
    expect(isRetryableInfluxError(err)).toBe(true);
  });
});
