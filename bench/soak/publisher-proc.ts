/**
 * Soak load generator (its own process): every sensor of the lots file connected, and SOAK_RATE
 * counter messages per second among them, round-robin, QoS 1, each one pass (so each changes a
 * count), paced by the clock. Reports sent, acknowledged and failed publishes.
 */
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { createGateCounter } from '../../firmware-sim/index.js';
import { counterTopic } from '../../protocol/index.js';
import { reportEvery } from './report.js';

const { SOAK_MQTT_URL, SOAK_SENSORS_FILE, SOAK_RATE } = process.env;
const sensors = JSON.parse(readFileSync(SOAK_SENSORS_FILE!, 'utf8')) as Array<{ lotId: string; sensorId: string }>;
let rate = Number(SOAK_RATE);
let sentBefore = 0; // sent before the current rate began (a 'rate' message changes it)
const counts = { sent: 0, acked: 0, publishErrors: 0, closes: 0 };
const clients: MqttClient[] = [];
for (let i = 0; i < sensors.length; i += 100) {
  await Promise.all(
    sensors.slice(i, i + 100).map(
      (s) =>
        new Promise<void>((resolve, reject) => {
          const c = mqtt.connect(SOAK_MQTT_URL!, { username: s.sensorId, password: 'bench', protocolVersion: 4, reconnectPeriod: 1000 });
          c.once('connect', () => resolve()).once('error', reject);
          c.on('close', () => (counts.closes += 1));
          clients.push(c);
        }),
    ),
  );
}
const gates = sensors.map(() => createGateCounter({ boot: 1 }));
const topics = sensors.map((s) => counterTopic(s.lotId, s.sensorId));
const inside = new Array<number>(sensors.length).fill(0);
let running = false;
let next = 0;
let started = 0;

function tick() {
  if (!running) return;
  const due = sentBefore + Math.floor(((performance.now() - started) / 1000) * rate);
  for (; counts.sent < due; counts.sent++) {
    const k = next++ % sensors.length;
    // each gate lets cars in and out in turn, so its lot never runs past 0..capacity
    const message = gates[k]!.pass(inside[k]! > 0 ? 'out' : 'in', Date.now());
    inside[k] = inside[k]! > 0 ? 0 : 1;
    clients[k]!.publish(topics[k]!, JSON.stringify(message), { qos: 1 }, (err) => (err ? (counts.publishErrors += 1) : (counts.acked += 1)));
  }
  setTimeout(tick, 2);
}

process.send!({ type: 'ready', sensors: sensors.length });
process.on('message', (m: { type: string }) => {
  if (m.type === 'go') {
    running = true;
    started = performance.now();
    reportEvery(10_000, () => ({ ...counts }));
    tick();
  }
  if (m.type === 'rate') {
    sentBefore = counts.sent;
    started = performance.now();
    rate = (m as { type: string; rate: number }).rate;
  }
  if (m.type === 'counts') process.send!({ type: 'counts', ...counts });
  if (m.type === 'stop') {
    running = false;
    process.send!({ type: 'final', ...counts });
    for (const c of clients) c.end(true);
    setTimeout(() => process.exit(0), 100);
  }
});
