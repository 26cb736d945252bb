// testkit: helpers shared by tests and benchmarks (both import testkit/; tests never import bench/).
/**
 * A real nats-server 2.9 (Debian) cluster on free loopback ports: each node with JetStream and the
 * MQTT listener, cluster routes to the others, and the `auth.conf` that `manku broker-config nats`
 * generates for a lots file (node configs sit beside it: NATS resolves `include` against the
 * including file's folder). Ready when every node's `/healthz` says ok (JetStream included).
 *
 * @example const c = await startNatsCluster({ lotsFile }); MQTT_URL=c.mqttUrls … await c.close();
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerConfigCommand } from '../bin/broker-config.js';
import { natsNodeConfig } from '../broker/index.js';
import { assertInstalled, brokerProcess, type BrokerProcess } from './broker-process.js';
import { freePort, waitFor } from './wait.js';

export interface NatsNode extends BrokerProcess {
  name: string;
  /** mqtt://127.0.0.1:PORT of its MQTT listener. */
  mqttUrl: string;
  clientPort: number;
  monitorUrl: string;
  /** Resolves when its /healthz says ok. */
  healthy(timeoutMs?: number): Promise<void>;
}

export interface NatsCluster {
  nodes: NatsNode[];
  /** Every node's MQTT URL, comma-separated (MQTT_URL with failover). */
  mqttUrls: string;
  dir: string;
  /** Stops every node and removes the dir. */
  close(): Promise<void>;
}

async function isHealthy(url: string): Promise<boolean> {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) }).catch(() => null);
  return res?.status === 200;
}

export async function startNatsCluster({ lotsFile, size = 3, env = {}, readyTimeoutMs = 60_000 }: { lotsFile: string; size?: number; env?: Record<string, string>; readyTimeoutMs?: number }): Promise<NatsCluster> {
  assertInstalled('nats-server', ['--version'], 'nats-server');
  const dir = mkdtempSync(join(tmpdir(), 'manku-nats-'));
  brokerConfigCommand(['nats', '--out', dir], { ...env, LOTS_FILE: lotsFile });
  const ports: Array<{ client: number; cluster: number; mqtt: number; monitor: number }> = [];
  for (let i = 0; i < size; i++) ports.push({ client: await freePort(), cluster: await freePort(), mqtt: await freePort(), monitor: await freePort() });
  const nodes = ports.map((p, i): NatsNode => {
    const name = `n${i + 1}`;
    const storeDir = join(dir, name);
    mkdirSync(storeDir);
    const conf = join(dir, `${name}.conf`);
    const routes = ports.filter((_, j) => j !== i).map((o) => `127.0.0.1:${o.cluster}`);
    writeFileSync(conf, natsNodeConfig({ name, host: '127.0.0.1', clientPort: p.client, clusterPort: p.cluster, mqttPort: p.mqtt, monitorPort: p.monitor, routes, storeDir, maxPayloadBytes: 1 << 20 }));
    const proc = brokerProcess('nats-server', ['-c', conf], [p.client, p.mqtt, p.monitor], { what: `nats-server ${name}`, readyTimeoutMs });
    const monitorUrl = `http://127.0.0.1:${p.monitor}`;
    return Object.assign(proc, {
      name,
      mqttUrl: `mqtt://127.0.0.1:${p.mqtt}`,
      clientPort: p.client,
      monitorUrl,
      healthy: (timeoutMs = readyTimeoutMs) => waitFor(() => isHealthy(monitorUrl), { timeoutMs, intervalMs: 100, what: `nats-server ${name} /healthz` }),
    });
  });
  const stopAll = () => Promise.all(nodes.map((n) => n.stop()));
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await Promise.all(nodes.map((n) => n.healthy()));
  } catch (err) {
    await stopAll();
    const output = nodes.map((n) => `--- ${n.name}\n${n.output().slice(-1500)}`).join('\n');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return {
    nodes,
    mqttUrls: nodes.map((n) => n.mqttUrl).join(','),
    dir,
    async close() {
      await stopAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
