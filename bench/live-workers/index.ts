/**
 * `npm run bench -- live-workers`: the live fan-out with API_WORKERS=1 and 2, each as a ratio to the
 * machine's floor (bench/floor: plain TCP, 1 and 2 sender processes) measured in the same run.
 * The service runs as real processes (`manku broker`, `manku ingest`, `manku api` with
 * API_WORKERS=w, bin/manku.ts); N WebSocket clients (bench/live/clients-proc.ts, their own
 * process) watch one lot; K changes, each published once every client has the previous one. Per
 * change: the time from its publish until every client has it. ratio = floor p50 / fan-out p50
 * (1: as fast as bare TCP writes from the same number of processes; higher is better).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { createGateCounter } from '../../firmware-sim/index.js';
import { counterTopic } from '../../protocol/index.js';
import { startManku, type MankuProcess } from '../../testkit/manku-process.js';
import { freePort, waitFor } from '../../testkit/wait.js';
import { measureFloor } from '../floor/index.js';
import { ask, percentile, startChild, stopChild, writeBenchLots } from '../support/child.js';
import { deliveredToAll } from '../support/fanout.js';

export interface LiveWorkersBenchOptions {
  clients: number;
  changes: number;
  /** Floor rounds per sender count. */
  rounds: number;
  gapMs: number;
}

const clientsProc = new URL('../live/clients-proc.ts', import.meta.url).pathname;
const wallNow = () => performance.timeOrigin + performance.now();
const round = (x: number, digits = 1) => Number(x.toFixed(digits));

async function fanoutWith(workers: number, lotsFile: string, lotId: string, sensorId: string, dir: string, o: LiveWorkersBenchOptions) {
  const mqttPort = await freePort();
  const apiPort = await freePort();
  const env = {
    LOTS_FILE: lotsFile,
    MQTT_PORT: String(mqttPort),
    MQTT_URL: `mqtt://127.0.0.1:${mqttPort}`,
    INGEST_MQTT_USERNAME: 'bench-ingest',
    INGEST_MQTT_PASSWORD: 'bench',
    API_MQTT_USERNAME: 'bench-api',
    API_MQTT_PASSWORD: 'bench',
    DATA_DIR: join(dir, `data-${workers}`),
    PORT: String(apiPort),
    API_WORKERS: String(workers),
    // every benchmark client comes from 127.0.0.1 (as behind a proxy)
    WS_MAX_CLIENTS_PER_ADDRESS: '0',
    WS_UPGRADES_PER_S: '0',
    WS_UPGRADES_PER_ADDRESS_PER_S: '0',
    HTTP_RATE_LIMIT_PER_S: '0',
    MQTT_SENSOR_MSGS_PER_S: '0',
  };
  const procs: MankuProcess[] = [];
  const start = (role: 'broker' | 'ingest' | 'api') => {
    const p = startManku(role, env);
    procs.push(p);
    return p;
  };
  try {
    await Promise.all([start('broker').ready(), start('ingest').ready(), start('api').ready()]);
    const sensor = mqtt.connect(env.MQTT_URL, { username: sensorId, password: 'bench', protocolVersion: 4, reconnectPeriod: 1000 });
    await new Promise<void>((resolve, reject) => sensor.once('connect', () => resolve()).once('error', reject));
    const gate = createGateCounter({ boot: 1 });
    const topic = counterTopic(lotId, sensorId);
    sensor.publish(topic, JSON.stringify(gate.heartbeat(Date.now())), { qos: 1 }); // the lot is fresh
    await waitFor(async () => (await fetch(`http://127.0.0.1:${apiPort}/readyz`)).status === 200, { timeoutMs: 60_000, intervalMs: 200, what: 'API ready' });
    const clients = await startChild(clientsProc, { BENCH_WS_URL: `ws://127.0.0.1:${apiPort}/api/v1/live?lots=${lotId}`, BENCH_CLIENTS: String(o.clients) });
    try {
      const changes: Array<{ occupied: number; at: number }> = [];
      let occupied = 0;
      // one change more than measured: the first broadcast to fresh sockets warms up
      for (let k = 0; k <= o.changes; k++) {
        occupied += 1;
        changes.push({ occupied, at: wallNow() });
        const complete = deliveredToAll(clients.proc, occupied);
        sensor.publish(topic, JSON.stringify(gate.pass('in', Date.now())), { qos: 1 });
        await complete;
        await new Promise((r) => setTimeout(r, o.gapMs));
      }
      const { received } = await ask<{ received: Record<string, number[]> }>(clients.proc, 'results');
      const everyClient: number[] = [];
      let missing = 0;
      for (const c of changes.slice(1)) {
        const times = (received[c.occupied] ?? []).map((t) => t - c.at);
        missing += o.clients - times.length;
        if (times.length) everyClient.push(Math.max(...times));
      }
      sensor.end(true);
      return { workers, clients: o.clients, connectSeconds: clients.ready.connectSeconds, everyClientP50Ms: round(percentile(everyClient, 50)), everyClientMaxMs: round(Math.max(...everyClient)), missingDeliveries: missing };
    } finally {
      await stopChild(clients.proc);
    }
  } finally {
    for (const p of procs.reverse()) await p.kill('SIGTERM');
  }
}

export async function liveWorkersBench(o: LiveWorkersBenchOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'manku-bench-workers-'));
  try {
    const { file, sensors } = await writeBenchLots(dir, 1, 1);
    console.log(`live-workers benchmark: ${o.clients} WebSocket clients on one lot, ${o.changes} changes; floor ${o.rounds} rounds`);
    const results = [];
    for (const workers of [1, 2]) {
      const floor = await measureFloor(workers, { clients: o.clients, rounds: o.rounds });
      const live = await fanoutWith(workers, file, sensors[0]!.lotId, sensors[0]!.sensorId, dir, o);
      const ratio = Number((floor.allReceivedP50Ms / live.everyClientP50Ms).toFixed(3));
      console.log(
        `API_WORKERS=${workers}: every client has a change after p50 ${live.everyClientP50Ms} ms (max ${live.everyClientMaxMs} ms, missing ${live.missingDeliveries}); ` +
          `floor with ${workers} sender process(es) p50 ${floor.allReceivedP50Ms} ms; ratio floor/live ${ratio}`,
      );
      results.push({ workers, floor, live, ratio });
    }
    return { options: o, results };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
