/**
 * The broker a benchmark run goes through, started fresh for each measurement: the embedded aedes
 * (its own process, bench/ingest/broker-proc.ts), a real mosquitto 2.0 or a 3-node nats-server
 * 2.9 cluster (JetStream + MQTT), both from the configs `manku broker-config` writes for the lots file.
 */
import { join } from 'node:path';
import { startMosquitto } from '../../testkit/mosquitto.js';
import { startNatsCluster } from '../../testkit/nats.js';
import { startChild, stopChild } from '../support/child.js';
import type { HashFormat } from '../../core/index.js';

export const BENCH_BROKERS = ['aedes', 'mosquitto', 'nats'] as const;
export type BenchBroker = (typeof BENCH_BROKERS)[number];

/** The password hash format each broker reads from the lots file. */
export const HASH_FORMAT_OF: Record<BenchBroker, HashFormat> = { aedes: 'scrypt', mosquitto: 'mosquitto', nats: 'bcrypt' };

const here = new URL('.', import.meta.url).pathname;

/**
 * @param burstPerSensor messages each sensor publishes at once: mosquitto's queue per client is
 * sized by broker-config for one message per 10 s per sensor, so a burst needs the queue of as many
 * minutes (else mosquitto drops what a subscriber has not taken yet, as configured).
 */
export async function startBenchBroker(kind: BenchBroker, lotsFile: string, burstPerSensor = 0): Promise<{ url: string; pids: number[]; stop(): Promise<void> }> {
  if (kind === 'mosquitto') {
    const m = await startMosquitto({ lotsFile, offlineMinutes: Math.max(10, Math.ceil(burstPerSensor / 6) + 1) });
    return { url: m.url, pids: [m.pid!], stop: () => m.close() };
  }
  if (kind === 'nats') {
    // JetStream in cluster mode needs routes: a one-node "cluster" does not start. Three nodes, as
    // deployed; every client of the benchmark on node 1, so both measurements take the same path.
    const c = await startNatsCluster({ lotsFile, size: 3 });
    return { url: c.nodes[0]!.mqttUrl, pids: c.nodes.map((n) => n.pid!), stop: () => c.close() };
  }
  const broker = await startChild(join(here, 'broker-proc.ts'), { BENCH_LOTS_FILE: lotsFile });
  return { url: `mqtt://127.0.0.1:${broker.ready.port}`, pids: [broker.proc.pid!], stop: () => stopChild(broker.proc) };
}
