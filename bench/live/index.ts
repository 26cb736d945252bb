/**
 * `npm run bench -- live`:
 * (a) latency: sensors publish at a fixed rate (default 2,000 msg/s) through broker -> ingest ->
 *     API -> WebSocket; for each message, the time from its publish until a client holds a status
 *     that includes it (statuses are coalesced, so one status may answer many messages);
 * (b) fan-out: N WebSocket clients (default 10,000, in their own process) on one lot; K changes
 *     (default 20); the time from each change's publish until each client has it, and the server's
 *     memory per connected client.
 * The server (broker + ingest + API, as `npm start`) runs in its own process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { createGateCounter } from '../../firmware-sim/index.js';
import { counterTopic } from '../../protocol/index.js';
import { ask, percentile, startChild, stopChild, writeBenchLots } from '../support/child.js';
import { deliveredToAll } from '../support/fanout.js';
import { waitFor } from '../../testkit/wait.js';

export interface LiveBenchOptions {
  rate: number;
  seconds: number;
  clients: number;
  changes: number;
  warmupSeconds: number;
  /** Pause between fan-out changes. */
  gapMs: number;
}

const here = new URL('.', import.meta.url).pathname;
const wallNow = () => performance.timeOrigin + performance.now();
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

function connectSensor(url: string, lotId: string, sensorId: string) {
  return new Promise<{ client: MqttClient; topic: string; gate: ReturnType<typeof createGateCounter> }>((resolve, reject) => {
    const client = mqtt.connect(url, { username: sensorId, password: 'bench', protocolVersion: 4, reconnectPeriod: 0 });
    client.once('connect', () => {
      // as gate firmware should (docs/protocol.md): no Nagle delay on small packets
      (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      resolve({ client, topic: counterTopic(lotId, sensorId), gate: createGateCounter({ boot: 1 }) });
    });
    client.once('error', reject);
  });
}

type Sensor = Awaited<ReturnType<typeof connectSensor>>;

async function latency(wsUrl: string, sensors: Sensor[], o: LiveBenchOptions, startOccupied: number) {
  const total = Math.round(o.rate * o.seconds);
  const publishedAt = new Float64Array(total);
  // The receiving client runs in its own process, so that publishing cannot delay its clock reads.
  const receiver = await startChild(join(here, 'clients-proc.ts'), { BENCH_WS_URL: wsUrl, BENCH_CLIENTS: '1' });
  // Paced by the clock: every tick publishes the messages that are due by then.
  const started = wallNow();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((wallNow() - started) / 1000) * o.rate));
      for (; sent < due; sent++) {
        const s = sensors[sent % sensors.length]!;
        publishedAt[sent] = wallNow();
        s.client.publish(s.topic, JSON.stringify(s.gate.pass('in', Date.now())), { qos: 1 });
      }
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  const sendSeconds = (wallNow() - started) / 1000;
  const last = startOccupied + total;
  let received: Record<string, number[]> = {};
  await waitFor(
    async () => {
      received = (await ask<{ received: Record<string, number[]> }>(receiver.proc, 'results')).received;
      return Object.keys(received).some((k) => Number(k) >= last);
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'every message to show in a status' },
  );
  await stopChild(receiver.proc);
  // Message i makes the count startOccupied + i + 1; it has arrived with the first status at or above that.
  const statuses = Object.entries(received)
    .map(([occupied, times]) => ({ occupied: Number(occupied), at: times[0]! }))
    .sort((x, y) => x.occupied - y.occupied);
  const latencies: number[] = [];
  const warm: number[] = [];
  let j = 0;
  for (let i = 0; i < total; i++) {
    while (statuses[j]!.occupied < startOccupied + i + 1) j++;
    const ms = statuses[j]!.at - publishedAt[i]!;
    latencies.push(ms);
    if (publishedAt[i]! - started >= o.warmupSeconds * 1000) warm.push(ms);
  }
  const byHalfSecond = Array.from({ length: Math.ceil(o.seconds * 2) }, (_, k) =>
    round(percentile(latencies.filter((_, i) => Math.floor((publishedAt[i]! - started) / 500) === k), 99), 1),
  );
  return {
    messages: total,
    statuses: statuses.length,
    achievedRate: Math.round(total / sendSeconds),
    /** After the first warmupSeconds (JIT warm-up of a just-started server). */
    p50Ms: round(percentile(warm, 50)),
    p99Ms: round(percentile(warm, 99)),
    maxMs: round(Math.max(...warm)),
    withWarmupP99Ms: round(percentile(latencies, 99)),
    warmupSeconds: o.warmupSeconds,
    p99ByHalfSecondMs: byHalfSecond,
    targetP99Ms: 20,
  };
}

/** The hub's own fan-out time (sum and count of manku_ws_fanout_seconds) from /metrics. */
async function hubFanout(apiBase: string) {
  const text = await (await fetch(`${apiBase}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { sum: read('manku_ws_fanout_seconds_sum'), count: read('manku_ws_fanout_seconds_count') };
}

async function fanout(wsUrl: string, apiBase: string, sensor: Sensor, server: Parameters<typeof ask>[0], o: LiveBenchOptions, startOccupied: number) {
  const before = await ask<{ rss: number; heapUsed: number }>(server, 'memory');
  const clients = await startChild(join(here, 'clients-proc.ts'), { BENCH_WS_URL: wsUrl, BENCH_CLIENTS: String(o.clients) });
  try {
    const after = await ask<{ rss: number; heapUsed: number; clients: number }>(server, 'memory');
    const hubBefore = await hubFanout(apiBase);
    const changes: Array<{ occupied: number; at: number }> = [];
    let occupied = startOccupied;
    // One change more than measured: the first broadcast to 10k fresh sockets is a warm-up.
    for (let k = 0; k <= o.changes; k++) {
      occupied += 1;
      changes.push({ occupied, at: wallNow() });
      // the next change once every client has this one (or after 10 s)
      const complete = deliveredToAll(clients.proc, occupied);
      sensor.client.publish(sensor.topic, JSON.stringify(sensor.gate.pass('in', Date.now())), { qos: 1 });
      await complete;
      // changes of one lot come seconds apart in life; a short gap lets each start from quiet
      await new Promise((r) => setTimeout(r, o.gapMs));
    }
    const { received } = await ask<{ received: Record<string, number[]> }>(clients.proc, 'results');
    const hubAfter = await hubFanout(apiBase);
    const all: number[] = [];
    const untilEveryClient: number[] = [];
    let missing = 0;
    const [warmup, ...measured] = changes;
    const warmupMs = Math.max(...(received[warmup!.occupied] ?? []).map((t) => t - warmup!.at));
    for (const c of measured) {
      const times = (received[c.occupied] ?? []).map((t) => t - c.at);
      missing += o.clients - times.length;
      all.push(...times);
      untilEveryClient.push(Math.max(...times));
    }
    return {
      clients: o.clients,
      connected: after.clients,
      connectSeconds: clients.ready.connectSeconds,
      changes: o.changes,
      missingDeliveries: missing,
      deliveryP50Ms: round(percentile(all, 50)),
      deliveryP99Ms: round(percentile(all, 99)),
      everyClientP50Ms: round(percentile(untilEveryClient, 50)),
      /** With `changes` samples, p99 is the slowest change. */
      everyClientP99Ms: round(percentile(untilEveryClient, 99)),
      everyClientMs: untilEveryClient.map((x) => round(x, 1)),
      warmupChangeMs: round(warmupMs, 1),
      gapMs: o.gapMs,
      /** The server's own loop over the subscribers, per change (mean). */
      hubSendMsMean: round(((hubAfter.sum - hubBefore.sum) / Math.max(1, hubAfter.count - hubBefore.count)) * 1000),
      targetP99Ms: 150,
      rssPerClientKiB: round((after.rss - before.rss) / o.clients / 1024),
      heapPerClientKiB: round((after.heapUsed - before.heapUsed) / o.clients / 1024),
      targetKiBPerClient: 10,
    };
  } finally {
    await stopChild(clients.proc);
  }
}

export async function liveBench(o: LiveBenchOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'manku-bench-live-'));
  const { file, sensors: ids } = await writeBenchLots(dir, 1, 4);
  const server = await startChild(join(here, 'server-proc.ts'), { BENCH_LOTS_FILE: file }, ['--expose-gc', ...(process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean)]);
  try {
    const mqttUrl = `mqtt://127.0.0.1:${server.ready.mqttPort}`;
    const wsUrl = `ws://127.0.0.1:${server.ready.apiPort}/api/v1/live?lots=${ids[0]!.lotId}`;
    const sensors = await Promise.all(ids.map((s) => connectSensor(mqttUrl, s.lotId, s.sensorId)));
    // every gate reports once, so the lot is fresh (a lot with a silent gate is unknown)
    for (const s of sensors) s.client.publish(s.topic, JSON.stringify(s.gate.heartbeat(Date.now())), { qos: 1 });
    console.log(`live benchmark: (a) ${o.rate} msg/s for ${o.seconds} s; (b) ${o.clients} clients, ${o.changes} changes`);
    await ask(server.proc, 'loop');
    const ownLoop = monitorEventLoopDelay({ resolution: 5 });
    ownLoop.enable();
    const a = await latency(wsUrl, sensors, o, 0);
    ownLoop.disable();
    console.log(`bench process event-loop delay during (a): p99 ${round(ownLoop.percentile(99) / 1e6)} ms, max ${round(ownLoop.max / 1e6)} ms`);
    const loop = await ask<{ p50Ms: number; p99Ms: number; maxMs: number }>(server.proc, 'loop');
    console.log(`server event-loop delay during (a): p50 ${round(loop.p50Ms)} ms, p99 ${round(loop.p99Ms)} ms, max ${round(loop.maxMs)} ms`);
    console.log(
      `(a) latency publish -> WebSocket after ${a.warmupSeconds} s warm-up: p50 ${a.p50Ms} ms, p99 ${a.p99Ms} ms, max ${a.maxMs} ms ` +
        `at ${a.achievedRate} msg/s (target p99 <= 20 ms); with warm-up p99 ${a.withWarmupP99Ms} ms; p99 per 0.5 s: ${a.p99ByHalfSecondMs.join(' ')}`,
    );
    const b = await fanout(wsUrl, `http://127.0.0.1:${server.ready.apiPort}`, sensors[0]!, server.proc, o, a.messages);
    console.log(
      `(b) fan-out to ${b.connected} clients: every client has a change after p50 ${b.everyClientP50Ms} ms, p99 ${b.everyClientP99Ms} ms ` +
        `(per delivery p50 ${b.deliveryP50Ms} ms, p99 ${b.deliveryP99Ms} ms; server send loop ${b.hubSendMsMean} ms; target p99 <= 150 ms); ` +
        `server memory ${b.rssPerClientKiB} KiB RSS / ${b.heapPerClientKiB} KiB heap per client (target <= 10 KiB); missing ${b.missingDeliveries}`,
    );
    for (const s of sensors) s.client.end(true);
    return { options: o, latency: { ...a, serverEventLoopDelay: loop }, fanout: b };
  } finally {
    await stopChild(server.proc);
    rmSync(dir, { recursive: true, force: true });
  }
}
