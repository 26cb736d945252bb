/**
 * Drill traffic: gate sensors that count every pass (connected or not) and publish it as firmware
 * does (QoS 1, cumulative totals), paced to a rate, with the ground truth kept beside them.
 * Sensors connect through transport/ like the simulator: retry on "server unavailable" and on an
 * unreachable broker, with jittered backoff. A pass while a sensor is disconnected is counted by
 * its gate and reaches the service with its next message (cumulative counters).
 */
import type { MqttClient } from 'mqtt';
import { createGateCounter, createRandom, type GateCounter } from '../../firmware-sim/index.js';
import { counterTopic } from '../../protocol/index.js';
import { openMqttSession } from '../../transport/index.js';

export interface DrillSensor {
  lotId: string;
  sensorId: string;
  password: string;
}

export interface GateStats {
  /** Passes counted by the gates (the truth moves with each). */
  passes: number;
  /** Messages handed to a connected client. */
  sent: number;
  /** Passes while the sensor was disconnected: counted by the gate, not sent. */
  unsent: number;
  /** CONNACK refusals the sensors got (3: server unavailable, e.g. before ingest subscribed). */
  refusedConnects: number;
  /** Connects after the first one. */
  reconnects: number;
}

export interface Gates {
  start(): Promise<void>;
  /** One pass at a random gate: into the lot until `fill` of capacity, else in or out at random. */
  step(): void;
  /** Publishes `rate` passes per second for `ms` (or until `until()` says stop), paced by the clock. */
  run(rate: number, ms: number, until?: () => boolean): Promise<void>;
  /** Every sensor sends its current totals once (a heartbeat): after it, counts must be exact. */
  heartbeatAll(): void;
  /** True occupancy per lot (in - out of every gate). */
  truth(lotId: string): number;
  connected(): number;
  stats(): GateStats;
  stop(): Promise<void>;
}

export function createGates({
  url,
  sensors,
  seed,
  capacity,
  fill = 0.5,
}: {
  url: string;
  sensors: DrillSensor[];
  seed: number;
  /** Lot capacity: traffic keeps occupancy between 0 and capacity. */
  capacity: number;
  /** Passes go in until this share of capacity, then in and out at random (1: drive it full). */
  fill?: number;
}): Gates {
  const random = createRandom(seed);
  const gates: GateCounter[] = sensors.map(() => createGateCounter({ boot: 1 }));
  const occupied = new Map<string, number>();
  const clients: MqttClient[] = [];
  const stats: GateStats = { passes: 0, sent: 0, unsent: 0, refusedConnects: 0, reconnects: 0 };

  const send = (k: number, message: object) => {
    const client = clients[k]!;
    if (!client.connected) {
      stats.unsent += 1;
      return;
    }
    stats.sent += 1;
    client.publish(counterTopic(sensors[k]!.lotId, sensors[k]!.sensorId), JSON.stringify(message), { qos: 1 });
  };

  function step() {
    const k = random.int(sensors.length);
    const lotId = sensors[k]!.lotId;
    const now = occupied.get(lotId) ?? 0;
    const goIn = now < capacity * fill ? true : now >= capacity ? false : now <= 0 ? true : random.chance(0.5);
    occupied.set(lotId, now + (goIn ? 1 : -1));
    stats.passes += 1;
    send(k, gates[k]!.pass(goIn ? 'in' : 'out', Date.now()));
  }

  return {
    async start() {
      const sessions = sensors.map((s) => openMqttSession({ url, username: s.sensorId, password: s.password, label: `sensor ${s.sensorId}`, maxReconnectMs: 5000 }));
      for (const { client } of sessions) {
        let first = true;
        client.on('connect', () => (first ? (first = false) : (stats.reconnects += 1)));
        client.on('error', (err: Error & { code?: unknown }) => {
          if (typeof err.code === 'number') stats.refusedConnects += 1;
        });
        clients.push(client);
      }
      await Promise.all(sessions.map((s) => s.ready));
    },
    step,
    async run(rate, ms, until = () => false) {
      const started = performance.now();
      let done = 0;
      while (!until()) {
        const elapsed = performance.now() - started;
        if (elapsed >= ms) break;
        const due = Math.floor((elapsed / 1000) * rate);
        for (; done < due; done++) step();
        await new Promise((r) => setTimeout(r, 2));
      }
    },
    heartbeatAll() {
      gates.forEach((g, k) => send(k, g.heartbeat(Date.now())));
    },
    truth: (lotId) => occupied.get(lotId) ?? 0,
    connected: () => clients.filter((c) => c.connected).length,
    stats: () => ({ ...stats }),
    async stop() {
      await Promise.all(clients.map((c) => c.endAsync(true)));
    },
  };
}
