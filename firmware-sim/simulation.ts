/**
 * Plays a delivery plan into a broker: one MQTT connection per gate (its own credentials), every
 * delivery published in plan order with QoS 1. With `clock`, the virtual time is set to each
 * delivery's time before it goes out, so a service sharing that clock sees the day's time.
 */
import type { MqttClient } from 'mqtt';
import { openMqttSession, type MqttTlsOptions } from '../transport/index.js';
import { counterTopic } from '../protocol/index.js';
import type { Plan } from './plan.js';

export interface SimulationOptions {
  mqttUrl: string;
  lotId: string;
  /** Gate i of the plan publishes as sensors[i]. */
  sensors: Array<{ id: string; password: string }>;
  plan: Plan;
  clock?: { set(ms: number): void };
  /** Called every `progressEvery` deliveries. */
  onProgress?: (p: { sent: number; total: number; virtualMs: number }) => void;
  progressEvery?: number;
  /** Real-time pacing: N × real time (undefined: as fast as possible). */
  speed?: number;
  /** Stamp `ts` with the real clock when sending (a sensor's clock is real time, not the plan's). */
  stampNow?: boolean;
  /** For mqtts:// URLs: each sensor's TLS options (CA, server name, its client certificate). */
  tlsFor?: (sensorId: string) => MqttTlsOptions;
  /** Awaited after each delivery is acknowledged, before the next is sent: lets a harness wait until the receiver has taken it (lock-step). */
  settle?: (sent: number) => Promise<void>;
}

export interface Simulation {
  /** Publishes every delivery; resolves when the broker has acknowledged them all. */
  run(): Promise<{ sent: number }>;
  stop(): Promise<void>;
}

export function createSimulation({ mqttUrl, lotId, sensors, plan, clock, onProgress, progressEvery = 1000, speed, stampNow = false, tlsFor, settle }: SimulationOptions): Simulation {
  const clients: MqttClient[] = [];
  let stopped = false;

  function payloadOf(payload: string): string {
    if (!stampNow) return payload;
    try {
      const json = JSON.parse(payload) as Record<string, unknown>;
      if (json && typeof json === 'object' && typeof json.ts === 'number') return JSON.stringify({ ...json, ts: Date.now() });
    } catch {
      // malformed on purpose: sent as is
    }
    return payload;
  }

  async function connectAll() {
    for (const s of sensors) {
      // As firmware does: retries while the broker is unreachable or not yet taking this sensor.
      const session = openMqttSession({ url: mqttUrl, username: s.id, password: s.password, label: `sensor ${s.id}`, tls: tlsFor?.(s.id) });
      clients.push(session.client);
      await session.ready;
    }
  }

  return {
    async run() {
      await connectAll();
      const acks: Array<Promise<unknown>> = [];
      let sent = 0;
      const firstAt = plan.deliveries[0]?.atMs ?? 0;
      const realStart = performance.now();
      for (const d of plan.deliveries) {
        if (stopped) break;
        const client = clients[d.gate];
        if (!client) throw new Error(`the plan has gate ${d.gate} but only ${clients.length} sensors were given`);
        if (speed) {
          const due = realStart + (d.atMs - firstAt) / speed;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        }
        clock?.set(d.atMs);
        acks.push(client.publishAsync(counterTopic(lotId, sensors[d.gate]!.id), payloadOf(d.payload), { qos: 1 }));
        sent += 1;
        if (sent % progressEvery === 0 || speed) {
          onProgress?.({ sent, total: plan.deliveries.length, virtualMs: d.atMs });
          await Promise.all(acks.splice(0)); // keep the in-flight window bounded
        }
        if (settle) {
          await Promise.all(acks.splice(0));
          await settle(sent);
        }
      }
      await Promise.all(acks);
      onProgress?.({ sent, total: plan.deliveries.length, virtualMs: plan.deliveries.at(-1)?.atMs ?? 0 });
      return { sent };
    },
    async stop() {
      stopped = true;
      await Promise.all(clients.splice(0).map((c) => c.endAsync()));
    },
  };
}
