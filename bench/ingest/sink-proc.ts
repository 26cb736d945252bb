/**
 * Benchmark child, in one of two modes:
 * - raw: a plain mqtt.js subscriber to every counter topic (QoS 1): the broker's pass-through.
 * - ingest: the real ingest with the InfluxDB store.
 * - store: the ceiling of any ingest that stores each reading (`--bound`): a plain subscriber like
 *   raw whose every message becomes one reading point of ingest's shape, with no parsing or
 *   counting (values from the message's index), through the InfluxDB store ingest uses.
 */
import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { COUNTER_FILTER } from '../../protocol/index.js';
import { LotsFile } from '../../core/index.js';
import { createIngest } from '../../ingest/index.js';
import { createInfluxStore, type StorePoint } from '../../storage/index.js';
import { profileOff, profileOn } from '../support/profile.js';

const { BENCH_MODE, BENCH_MQTT_URL, BENCH_INFLUX_URL, BENCH_LOTS_FILE, BENCH_EXPECT } = process.env;
const expected = Number(BENCH_EXPECT);
const auth = { username: 'bench-ingest', password: 'bench' };

/** A plain mqtt.js subscriber to every counter topic (QoS 1), as raw and store run it; `beforeStop` runs when asked to stop. */
function plainSubscriber(name: string, clean: boolean, onMessage: (topic: string) => void, beforeStop: () => Promise<void> = async () => {}) {
  const client = mqtt.connect(BENCH_MQTT_URL!, { ...auth, clientId: `bench-${name}-${process.pid}`, clean, protocolVersion: 4 });
  client.on('message', onMessage);
  client.on('connect', async () => {
    await client.subscribeAsync(COUNTER_FILTER, { qos: 1 });
    process.send!({ type: 'ready' });
  });
  process.on('message', async (m: { type: string }) => {
    if (m.type !== 'stop') return;
    await beforeStop();
    client.end(true, {}, () => process.exit(0));
  });
}

if (BENCH_MODE === 'raw') {
  let received = 0;
  plainSubscriber('raw', process.env.BENCH_RAW_CLEAN === '1', () => {
    received += 1;
    if (received === expected) process.send!({ type: 'done', received, at: Date.now() });
  });
} else if (BENCH_MODE === 'store') {
  const store = createInfluxStore({ url: BENCH_INFLUX_URL! });
  await store.start();
  const base = Date.now();
  let received = 0;
  plainSubscriber('store', false, (topic) => {
    received += 1;
    const [, , lotId, sensorId] = topic.split('/');
    const k = received;
    const point: StorePoint = { measurement: 'sensor_reading', lotId: lotId!, sensorId: sensorId!, timeMs: base + k, lotSeq: k, boot: 1, seq: k, in: k, out: 0, outcome: 'applied', occupiedRaw: k, skewMs: 0 };
    store.write([point]);
    if (received === expected) process.send!({ type: 'applied', at: Date.now() });
  }, () => store.stop());
} else {
  const lots = LotsFile.parse(JSON.parse(readFileSync(BENCH_LOTS_FILE!, 'utf8')));
  const store = createInfluxStore({ url: BENCH_INFLUX_URL! });
  const ingest = createIngest({ lots, store, mqttUrl: BENCH_MQTT_URL!, ...auth, clientId: `bench-ingest-${process.pid}` });
  await ingest.start();
  // BENCH_INGEST_PROFILE=FILE: a CPU profile of ingest's main thread from ready until asked for its stats.
  const profileFile = process.env.BENCH_INGEST_PROFILE;
  if (profileFile) await profileOn();
  // Report when every reading has been applied (live status current), and then when the store
  // has nothing left to write (InfluxDB acknowledged it), apart from when a query sees it all.
  const appliedTimer = setInterval(() => {
    const { outcomes } = ingest.stats();
    if (outcomes.applied + outcomes.reboot >= expected) {
      clearInterval(appliedTimer);
      process.send!({ type: 'applied', at: Date.now() });
      const writtenTimer = setInterval(() => {
        if (store.stats().buffered > 0) return;
        clearInterval(writtenTimer);
        process.send!({ type: 'written', at: Date.now() });
      }, 5);
    }
  }, 5);
  process.send!({ type: 'ready' });
  process.on('message', async (m: { type: string }) => {
    if (m.type === 'stats') {
      if (profileFile) await profileOff(profileFile);
      process.send!({ type: 'stats', ingest: ingest.stats(), store: store.stats() });
    }
    if (m.type === 'stop') {
      await ingest.stop();
      process.exit(0);
    }
  });
}
