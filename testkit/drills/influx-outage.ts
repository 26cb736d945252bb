/**
 * Drill: `manku all` writing to a real influxd, the gates publishing at `rate`, and influxd
 * stopped for `outageMs` mid-stream. While it is down the API is polled every second (is the
 * status fresh, not stale, following the truth?); once it is back, every reading published must be
 * in InfluxDB: points lost = readings sent - sensor_reading points stored.
 */
import { join } from 'node:path';
import { InfluxDB } from 'influx';
import { startInfluxd } from '../influxd.js';
import { startManku, type MankuProcess } from '../manku-process.js';
import { freePort, waitFor } from '../wait.js';
import { createGates } from './gates.js';
import { createSite } from './site.js';

export interface InfluxOutageOptions {
  dir: string;
  rate: number;
  beforeMs: number;
  outageMs: number;
  afterMs: number;
  /** INFLUX_BUFFER_POINTS for the run: must hold rate × outage readings plus occupancy points. */
  bufferPoints: number;
  seed: number;
  /** How long to wait, once InfluxDB is back and the traffic stopped, for every reading to be stored. */
  drainTimeoutMs?: number;
  lots?: number;
  gatesPerLot?: number;
  log?: (line: string) => void;
}

interface Poll {
  atMs: number;
  phase: 'before' | 'outage' | 'after';
  lotId: string;
  stale: boolean;
  level: string;
  /** now - observedAt: how old the newest reading behind the status is. */
  ageMs: number;
  /** truth - shown occupied at the moment of the poll (the stream is live, so a few in flight). */
  behind: number;
}

/** Sums a metric's samples across labels in Prometheus text. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

export async function influxOutageDrill(o: InfluxOutageOptions) {
  const log = o.log ?? (() => {});
  const influxd = await startInfluxd(join(o.dir, 'influxd'));
  const site = await createSite(o.dir, { lots: o.lots ?? 2, gatesPerLot: o.gatesPerLot ?? 5 });
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const database = 'drill';
  let manku: MankuProcess | null = null;
  const gates = createGates({ url: site.mqttUrl, sensors: site.sensors, seed: o.seed, capacity: site.capacity });
  const polls: Poll[] = [];
  const samples: Array<{ atMs: number; phase: string; buffered: number; dropped: number; written: number; rssMiB: number }> = [];
  let phase: Poll['phase'] = 'before';
  let polling = true;
  let pollErrors = 0;
  const t0 = Date.now();
  try {
    manku = startManku('all', {
      ...site.env,
      PORT: String(port),
      INFLUX_URL: `${influxd.url}/${database}`,
      INFLUX_BUFFER_POINTS: String(o.bufferPoints),
    });
    await manku.ready();
    await gates.start();
    const pollLoop = (async () => {
      for (let tick = 0; polling; tick++) {
        const next = Date.now() + 1000;
        try {
        await Promise.all(
          site.lotIds.map(async (lotId) => {
            const s = (await (await fetch(`${base}/api/v1/lots/${lotId}`)).json()) as { stale: boolean; level: string; occupied: number; observedAt: string | null };
            const now = Date.now();
            polls.push({ atMs: now - t0, phase, lotId, stale: s.stale, level: s.level, ageMs: s.observedAt ? now - Date.parse(s.observedAt) : Infinity, behind: gates.truth(lotId) - s.occupied });
          }),
        );
        if (tick % 5 === 0) {
          const text = await (await fetch(`${base}/metrics`)).text();
          samples.push({
            atMs: Date.now() - t0,
            phase,
            buffered: metricSum(text, 'manku_store_buffered_points'),
            dropped: metricSum(text, 'manku_store_dropped_points_total'),
            written: metricSum(text, 'manku_store_written_points_total'),
            rssMiB: Math.round(metricSum(text, 'manku_process_resident_memory_bytes') / 2 ** 20),
          });
        }
        } catch {
          pollErrors += 1;
        }
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
      }
    })();

    // A lot shows a level once every gate has reported: start the clock from there.
    const fresh = () => site.lotIds.every((id) => polls.findLast((p) => p.lotId === id)?.stale === false);
    await gates.run(o.rate, 300_000, fresh);
    await gates.run(o.rate, o.beforeMs);
    await influxd.stop();
    phase = 'outage';
    log(`InfluxDB stopped at ${Date.now() - t0} ms`);
    await gates.run(o.rate, o.outageMs);
    await influxd.start();
    const backAt = Date.now();
    phase = 'after';
    log(`InfluxDB started again at ${backAt - t0} ms`);
    await gates.run(o.rate, o.afterMs);
    const sent = gates.stats().sent;
    const influx = new InfluxDB(`${influxd.url}/${database}`);
    let stored = 0;
    const count = async () => {
      const rows = await influx.query<{ count: number }>('SELECT count("seq") AS count FROM "sensor_reading"');
      stored = rows[0]?.count ?? 0;
      return stored >= sent;
    };
    const complete = await waitFor(count, { timeoutMs: o.drainTimeoutMs ?? 180_000, intervalMs: 500, what: `InfluxDB to hold all ${sent} readings` }).then(
      () => true,
      () => false,
    );
    const drainedAfterMs = Date.now() - backAt;
    polling = false;
    await pollLoop;
    const outage = polls.filter((p) => p.phase === 'outage');
    const result = {
      rate: o.rate,
      outageMs: o.outageMs,
      bufferPoints: o.bufferPoints,
      readingsSent: sent,
      readingsStored: stored,
      pointsLost: sent - stored,
      complete,
      /** InfluxDB back until every reading was stored (includes the writer's retry backoff, at most 10 s). */
      drainedAfterMs,
      droppedPoints: Math.max(0, ...samples.map((s) => s.dropped)),
      bufferedPeak: Math.max(0, ...samples.map((s) => s.buffered)),
      rssMiB: { before: samples.find((s) => s.phase === 'before')?.rssMiB ?? null, peak: Math.max(0, ...samples.map((s) => s.rssMiB)) },
      statusDuringOutage: {
        polls: outage.length,
        stale: outage.filter((p) => p.stale).length,
        unknown: outage.filter((p) => p.level === 'unknown').length,
        maxAgeMs: Math.max(0, ...outage.map((p) => p.ageMs)),
        maxBehind: Math.max(0, ...outage.map((p) => Math.abs(p.behind))),
        pollErrors,
      },
      samples,
    };
    log(
      `InfluxDB outage ${o.outageMs / 1000} s at ${o.rate} msg/s: ${sent} readings sent, ${stored} stored, lost ${result.pointsLost}, dropped ${result.droppedPoints}; ` +
        `buffer peak ${result.bufferedPeak} of ${o.bufferPoints}, RSS ${result.rssMiB.before} -> ${result.rssMiB.peak} MiB; all stored ${drainedAfterMs} ms after InfluxDB was back; ` +
        `during the outage ${outage.length} status polls, ${result.statusDuringOutage.stale} stale, newest reading at most ${result.statusDuringOutage.maxAgeMs} ms old`,
    );
    return result;
  } finally {
    polling = false;
    await gates.stop();
    await manku?.kill('SIGKILL');
    await influxd.stop();
  }
}
