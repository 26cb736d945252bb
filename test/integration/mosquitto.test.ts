/**
 * manku on a real mosquitto 2.0 (issue 9): configured by `broker-config mosquitto`, ingest and the
 * API as their own processes (`manku ingest`, `manku api`) pointed at it by MQTT_URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counterTopic, labelOf, statusTopic, type LotStatus } from '../../protocol/index.js';
import { openMqttSession } from '../../transport/index.js';
import { createGates } from '../../testkit/drills/gates.js';
import { createSite, DRILL_PASSWORD, type Site } from '../../testkit/drills/site.js';
import { startManku, type MankuProcess } from '../../testkit/manku-process.js';
import { startMosquitto, type Mosquitto } from '../../testkit/mosquitto.js';
import { freePort, waitFor } from '../../testkit/wait.js';

const occupiedIn = async (base: string, lotId: string) => {
  const res = await fetch(`${base}/api/v1/lots/${lotId}`);
  return res.ok ? ((await res.json()) as LotStatus).occupied : null;
};

describe('ingest and the API on mosquitto', () => {
  let dir: string;
  let site: Site;
  let mosquitto: Mosquitto;
  const procs: MankuProcess[] = [];
  let base: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'manku-mosq-test-'));
    site = await createSite(dir, { lots: 2, gatesPerLot: 2, capacity: 50, hashFormat: 'mosquitto' });
    mosquitto = await startMosquitto({ lotsFile: site.env.LOTS_FILE!, port: site.mqttPort });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = { ...site.env, MQTT_URL: mosquitto.url, PORT: String(port) };
    procs.push(startManku('ingest', env), startManku('api', env));
    await Promise.all(procs.map((p) => p.ready(120_000)));
  }, 180_000);

  afterAll(async () => {
    for (const p of procs) await p.kill('SIGTERM');
    await mosquitto?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sensors publish through mosquitto and their counts appear in the API', async () => {
    const gates = createGates({ url: mosquitto.url, sensors: site.sensors, seed: 9, capacity: 50 });
    await gates.start();
    try {
      for (let i = 0; i < 200; i++) gates.step();
      gates.heartbeatAll();
      expect(gates.stats().passes).toBe(200);
      for (const lotId of site.lotIds) {
        await waitFor(async () => (await occupiedIn(base, lotId)) === gates.truth(lotId), { timeoutMs: 30_000, what: `${lotId} to show ${gates.truth(lotId)}` });
      }
    } finally {
      await gates.stop();
    }
  }, 60_000);

  it("refuses a sensor on another lot's topic: its count never moves", async () => {
    const [own, other] = site.lotIds as [string, string];
    const sensor = site.sensors.find((s) => s.lotId === own)!;
    const victim = site.sensors.find((s) => s.lotId === other)!;
    const before = await occupiedIn(base, other);
    const { client, ready } = openMqttSession({ url: mosquitto.url, username: sensor.sensorId, password: DRILL_PASSWORD });
    await ready;
    try {
      const forged = { boot: 99, seq: 1, ts: Date.now(), in: 40, out: 0 };
      // mosquitto acks a denied publish under MQTT 3.1.1 and drops it.
      await client.publishAsync(counterTopic(other, victim.sensorId), JSON.stringify(forged), { qos: 1 });
      await client.publishAsync(counterTopic(other, sensor.sensorId), JSON.stringify(forged), { qos: 1 });
      // Then an allowed message on its own topic, on the same connection: once it shows, the forged ones had their turn.
      const ownBefore = (await occupiedIn(base, own))!;
      await client.publishAsync(counterTopic(own, sensor.sensorId), JSON.stringify({ boot: 50, seq: 1, ts: Date.now(), in: 1, out: 0 }), { qos: 1 });
      await waitFor(async () => (await occupiedIn(base, own)) === ownBefore + 1, { timeoutMs: 20_000, what: 'the allowed message to count' });
      expect(await occupiedIn(base, other)).toBe(before);
    } finally {
      await client.endAsync(true);
    }
  }, 60_000);
});

describe('5,000 lots on mosquitto', () => {
  const LOTS = 5000;
  let dir: string;
  let site: Site;
  let mosquitto: Mosquitto;
  let api: MankuProcess | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'manku-mosq-5000-'));
    site = await createSite(dir, { lots: LOTS, gatesPerLot: 1, capacity: 1000, hashFormat: 'mosquitto' });
    mosquitto = await startMosquitto({ lotsFile: site.env.LOTS_FILE!, port: site.mqttPort });
  }, 120_000);

  afterAll(async () => {
    await api?.kill('SIGTERM');
    await mosquitto?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("every lot's retained status reaches a restarted API (mosquitto's defaults delivered 1,020 of 5,000)", async () => {
    // Published as ingest publishes them (its account, QoS 1, retained), each lot a count of its own.
    const countOf = (i: number) => 1 + ((i * 7) % 997);
    const { client, ready } = openMqttSession({ url: mosquitto.url, username: 'drill-ingest', password: DRILL_PASSWORD, service: true });
    await ready;
    const observedAt = new Date().toISOString();
    await Promise.all(
      site.lotIds.map((lotId, i) => {
        const occupied = countOf(i);
        const status: LotStatus = { lotId, name: { ja: lotId, en: lotId }, capacity: 1000, occupied, available: 1000 - occupied, occupancy: occupied / 1000, level: 'vacant', label: labelOf('vacant'), observedAt, stale: false };
        return client.publishAsync(statusTopic(lotId), JSON.stringify(status), { qos: 1, retain: true });
      }),
    );
    await client.endAsync();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { ...site.env, MQTT_URL: mosquitto.url, PORT: String(port) };
    const allShown = async () => {
      const res = await fetch(`${base}/api/v1/lots`);
      if (!res.ok) return false;
      const body = (await res.json()) as { lots?: LotStatus[] } | LotStatus[];
      const lots = Array.isArray(body) ? body : (body.lots ?? []);
      const byId = new Map(lots.map((l) => [l.lotId, l.occupied]));
      return site.lotIds.every((id, i) => byId.get(id) === countOf(i));
    };
    for (const round of ['first start', 'after SIGKILL and restart']) {
      api = startManku('api', env);
      await api.ready(120_000);
      await waitFor(allShown, { timeoutMs: 60_000, intervalMs: 250, what: `all ${LOTS} statuses in the API (${round})` });
      await api.kill('SIGKILL');
    }
    api = null;
  }, 300_000);
});
