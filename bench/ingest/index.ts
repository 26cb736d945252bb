/**
 * `npm run bench -- ingest`: K sensor clients publish M counter messages (QoS 1) into the broker.
 * (a) raw: broker pass-through to a plain subscriber; (b) end to end: published -> applied ->
 * durable in InfluxDB, until a query sees every point, both through the same broker (`--broker
 * aedes|mosquitto|nats`, a fresh one each time). Broker, sink and publishers run in three
 * processes, and influxd in a fourth. Each run does (a) then (b); the ratio is b/a per run.
 * The plain subscriber has a persistent session (clean: false) like ingest by default, so the
 * ratio measures what ingest adds, not the broker's cost of persistent sessions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { InfluxDB } from 'influx';
import mqtt, { type MqttClient } from 'mqtt';
import { median, startChild, stopChild, writeBenchLots } from '../support/child.js';
import { createGateCounter } from '../../firmware-sim/index.js';
import { counterTopic } from '../../protocol/index.js';
import { startInfluxd, type Influxd } from '../../testkit/influxd.js';
import { waitFor } from '../../testkit/wait.js';
import { cpuMeter, perMessage } from '../support/proc-cpu.js';
import { HASH_FORMAT_OF, startBenchBroker, type BenchBroker } from './brokers.js';

export interface IngestBenchOptions {
  sensors: number;
  messages: number;
  runs: number;
  lots: number;
  /** The plain subscriber's session: 'persistent' (clean: false, like ingest) or 'clean'. */
  rawSession: 'persistent' | 'clean';
  /** Which broker both measurements of a run go through (a fresh one for each). */
  broker: BenchBroker;
  /**
   * When (b) starts asking InfluxDB whether it holds every point: from the first publish ('start'),
   * or once ingest has applied every reading ('applied'; no point is written before it is applied,
   * so the answer is the same, without the queries' load on the machine while the readings flow).
   */
  pollFrom: 'start' | 'applied';
  /** Node flags for the ingest process only, e.g. ['--max-semi-space-size=32'] (`--ingest-node-flags`). */
  ingestNodeFlags: string[];
  /** `--bound`: each run also measures (c), the pass-through plus storing each reading with no ingest logic. */
  bound: boolean;
}

const here = new URL('.', import.meta.url).pathname;

/** Connects every sensor, then publishes all messages as fast as the clients take them. Returns the start time. */
async function publishAll(url: string, sensors: Array<{ lotId: string; sensorId: string }>, perSensor: number, boot: number) {
  const clients: MqttClient[] = await Promise.all(
    sensors.map(
      (s) =>
        new Promise<MqttClient>((resolve, reject) => {
          // A NATS cluster on a loaded machine took over 30 s (mqtt.js's default) to answer some
          // CONNECTs (its session record is a replicated JetStream write): wait longer.
          const c = mqtt.connect(url, { username: s.sensorId, password: 'bench', protocolVersion: 4, clean: true, reconnectPeriod: 0, connectTimeout: 180_000 });
          c.once('connect', () => resolve(c)).on('error', reject); // later errors too: none may go unheard
        }),
    ),
  );
  const base = Date.now();
  // Payloads made up front so the publishers spend their time publishing. ts is distinct per
  // reading (base + i ms) so no two readings of one sensor share an InfluxDB timestamp.
  const payloads = sensors.map(() => {
    const gate = createGateCounter({ boot });
    return Array.from({ length: perSensor }, (_, i) => JSON.stringify(gate.pass('in', base + i)));
  });
  const started = Date.now();
  const acked = clients.map((c, k) => {
    const topic = counterTopic(sensors[k]!.lotId, sensors[k]!.sensorId);
    let last: Promise<unknown> = Promise.resolve();
    for (const p of payloads[k]!) last = c.publishAsync(topic, p, { qos: 1 });
    return last;
  });
  return { started, clients, acked: Promise.all(acked) };
}

async function runOnce(o: IngestBenchOptions, influxd: Influxd, lotsFile: string, sensors: Array<{ lotId: string; sensorId: string }>, run: number) {
  const perSensor = Math.floor(o.messages / sensors.length);
  const total = perSensor * sensors.length;
  const timeoutMs = 300_000;
  // What is running, stopped in reverse on the way out, also when a step fails: a failed run
  // left its sink process behind before.
  const running: Array<() => Promise<unknown>> = [];
  const stopRunning = async () => {
    while (running.length) await running.pop()!().catch(() => undefined);
  };
  try {
    return await measure();
  } finally {
    await stopRunning();
  }

  /**
   * One half through InfluxDB, on a fresh broker and database: `ingest` is the real ingest;
   * `store` turns each message into one reading point of ingest's shape without parsing or
   * counting (sink-proc.ts), the ceiling of any ingest that stores each reading.
   */
  async function throughInflux(mode: 'ingest' | 'store') {
    const database = `bench_${Date.now()}`;
    const influxBase = influxd.url;
    const broker = await startBenchBroker(o.broker, lotsFile, perSensor);
    running.push(broker.stop);
    const sink = await startChild(join(here, 'sink-proc.ts'), {
      BENCH_MODE: mode,
      BENCH_MQTT_URL: broker.url,
      BENCH_INFLUX_URL: `${influxBase}/${database}`,
      BENCH_LOTS_FILE: lotsFile,
      BENCH_EXPECT: String(total),
    }, mode === 'ingest' ? o.ingestNodeFlags : []);
    running.push(() => stopChild(sink.proc));
    const applied = new Promise<number>((resolve) => sink.proc.on('message', (m: { type: string; at: number }) => m.type === 'applied' && resolve(m.at)));
    const written = new Promise<number>((resolve) => sink.proc.on('message', (m: { type: string; at: number }) => m.type === 'written' && resolve(m.at)));
    const influx = new InfluxDB(`${influxBase}/${database}`);
    const b = await publishAll(broker.url, sensors, perSensor, run + 1);
    running.push(async () => b.clients.forEach((c) => c.end(true)));
    const cpu = cpuMeter({ publishers: [process.pid], broker: broker.pids, [mode]: [sink.proc.pid!], influxd: [influxd.pid!] });
    if (o.pollFrom === 'applied') await applied;
    let seen = 0;
    await waitFor(
      async () => {
        const rows = await influx.query<{ count: number }>('SELECT count("seq") AS count FROM "sensor_reading"');
        seen = rows[0]?.count ?? 0;
        return seen >= total;
      },
      { timeoutMs, intervalMs: 50, what: `InfluxDB to hold all ${total} readings` },
    );
    const e2eSeconds = (Date.now() - b.started) / 1000;
    const e2eCpuUs = cpu.stop();
    const appliedSeconds = ((await applied) - b.started) / 1000;
    const writtenSeconds = mode === 'ingest' ? ((await written) - b.started) / 1000 : null;
    await b.acked;
    let stats: Record<string, unknown> | null = null;
    if (mode === 'ingest') {
      sink.proc.send({ type: 'stats' });
      [stats] = (await once(sink.proc, 'message')) as [Record<string, unknown>];
    }
    await stopRunning();
    await influx.dropDatabase(database);
    return { e2eSeconds, appliedSeconds, writtenSeconds, seen, e2eCpuUs, stats };
  }

  async function measure() {
    // (a) raw pass-through
    const broker = await startBenchBroker(o.broker, lotsFile, perSensor);
    running.push(broker.stop);
    const url = broker.url;
    const raw = await startChild(join(here, 'sink-proc.ts'), {
      BENCH_MODE: 'raw',
      BENCH_MQTT_URL: url,
      BENCH_EXPECT: String(total),
      BENCH_RAW_CLEAN: o.rawSession === 'clean' ? '1' : '0',
    });
    running.push(() => stopChild(raw.proc));
    const rawDone = new Promise<number>((resolve) => raw.proc.on('message', (m: { type: string; at: number }) => m.type === 'done' && resolve(m.at)));
    const a = await publishAll(url, sensors, perSensor, run + 1);
    running.push(async () => a.clients.forEach((c) => c.end(true)));
    const rawCpu = cpuMeter({ publishers: [process.pid], broker: broker.pids, subscriber: [raw.proc.pid!] });
    const rawEnd = await Promise.race([rawDone, new Promise<number>((_, r) => setTimeout(() => r(new Error('raw timed out')), timeoutMs))]);
    const rawCpuUs = rawCpu.stop();
    await a.acked;
    await stopRunning();
    const rawSeconds = (rawEnd - a.started) / 1000;

    // (b) end to end into InfluxDB; (c) with --bound, the same path with no ingest logic
    const e2e = await throughInflux('ingest');
    const bound = o.bound ? await throughInflux('store') : null;
    const { e2eSeconds, appliedSeconds, seen, e2eCpuUs, stats } = e2e;
    const writtenSeconds = e2e.writtenSeconds!; // ingest reports it

    const result = {
      run,
      messages: total,
      rawMsgsPerS: Math.round(total / rawSeconds),
      e2eMsgsPerS: Math.round(total / e2eSeconds),
      ratio: Number((rawSeconds / e2eSeconds).toFixed(3)),
      rawSeconds,
      appliedSeconds,
      /** When the store had written everything (InfluxDB acknowledged the last batch). */
      writtenSeconds,
      e2eSeconds,
      pointsSeen: seen,
      /** CPU µs per message of each process group over each half's window, and their sum. */
      rawCpuUsPerMsg: perMessage(rawCpuUs, total),
      e2eCpuUsPerMsg: perMessage(e2eCpuUs, total),
      sinkStats: stats,
      /** --bound: (c) pass-through plus storing each reading, no ingest logic; ratio = raw / (c). */
      bound: bound && {
        msgsPerS: Math.round(total / bound.e2eSeconds),
        ratio: Number((rawSeconds / bound.e2eSeconds).toFixed(3)),
        seconds: bound.e2eSeconds,
        receivedSeconds: bound.appliedSeconds,
        cpuUsPerMsg: perMessage(bound.e2eCpuUs, total),
      },
    };
    console.log(
      `run ${run + 1}/${o.runs}: raw ${result.rawMsgsPerS} msg/s, end-to-end ${result.e2eMsgsPerS} msg/s, ratio ${result.ratio} (${total} messages, ${sensors.length} sensors; ` +
        `raw ${rawSeconds.toFixed(2)} s, all applied ${appliedSeconds.toFixed(2)} s, all written ${writtenSeconds.toFixed(2)} s, all durable ${e2eSeconds.toFixed(2)} s)\n` +
        `  CPU µs per message: raw ${JSON.stringify(result.rawCpuUsPerMsg)}; end to end ${JSON.stringify(result.e2eCpuUsPerMsg)}` +
        (result.bound
          ? `\n  bound (pass-through + storing each reading, no ingest logic): ${result.bound.msgsPerS} msg/s, ratio ${result.bound.ratio} (all received ${result.bound.receivedSeconds.toFixed(2)} s, all durable ${result.bound.seconds.toFixed(2)} s); CPU µs per message ${JSON.stringify(result.bound.cpuUsPerMsg)}`
          : ''),
    );
    return result;
  }
}

export async function ingestBench(o: IngestBenchOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'manku-bench-'));
  const influxd = await startInfluxd(join(dir, 'influxd'));
  try {
    const { file, sensors } = await writeBenchLots(dir, o.lots, Math.ceil(o.sensors / o.lots), HASH_FORMAT_OF[o.broker]);
    console.log(
      `ingest benchmark on ${o.broker}: ${sensors.length} sensors in ${o.lots} lots, ${o.messages} messages, QoS 1, ${o.runs} runs, ` +
        `plain subscriber with a ${o.rawSession} session`,
    );
    const runs = [];
    for (let r = 0; r < o.runs; r++) runs.push(await runOnce(o, influxd, file, sensors, r));
    const summary = {
      rawMsgsPerS: median(runs.map((r) => r.rawMsgsPerS)),
      e2eMsgsPerS: median(runs.map((r) => r.e2eMsgsPerS)),
      ratio: median(runs.map((r) => r.ratio)),
      ingestCpuUsPerMsg: median(runs.map((r) => r.e2eCpuUsPerMsg.ingest!)),
      ...(o.bound ? { boundRatio: median(runs.map((r) => r.bound!.ratio)) } : {}),
      target: 0.8,
    };
    console.log(`${o.broker}, median of ${o.runs}: raw ${summary.rawMsgsPerS} msg/s, end-to-end ${summary.e2eMsgsPerS} msg/s, ratio ${summary.ratio} (target >= 0.8); ingest ${summary.ingestCpuUsPerMsg} µs CPU per message` +
        (summary.boundRatio !== undefined ? `; bound ${summary.boundRatio}` : ''));
    return { options: o, summary, runs };
  } finally {
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
