/**
 * A drill site: a lots file in a temp dir (one password for every account), the env each `manku`
 * role needs, and a reader that follows the lots' retained statuses over MQTT.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { hashBcryptPassword, hashMosquittoPassword, hashPassword } from '../../broker/index.js';
import type { HashFormat } from '../../core/index.js';
import { LotStatus, parseStatusTopic, statusTopic } from '../../protocol/index.js';
import { openMqttSession } from '../../transport/index.js';
import { freePort } from '../wait.js';
import type { DrillSensor } from './gates.js';

export const DRILL_PASSWORD = 'drill-password';

export interface Site {
  dir: string;
  lotIds: string[];
  sensors: DrillSensor[];
  capacity: number;
  mqttPort: number;
  mqttUrl: string;
  /** Env shared by every role (lots file, broker address, service credentials). */
  env: Record<string, string>;
}

/** One hash of the drill password in a format (cheap parameters: tests hash and verify often). */
function drillHash(format: HashFormat): Promise<string> {
  if (format === 'mosquitto') return hashMosquittoPassword(DRILL_PASSWORD);
  if (format === 'bcrypt') return hashBcryptPassword(DRILL_PASSWORD, { cost: 10 });
  return hashPassword(DRILL_PASSWORD, { N: 1024 });
}

/**
 * `lots` lots with `gatesPerLot` gates each; the broker's port is picked now so restarts keep it.
 * `hashFormat`: mosquitto or bcrypt for a site served by mosquitto or NATS (testkit/mosquitto.ts, testkit/nats.ts).
 */
export async function createSite(
  dir: string,
  { lots = 1, gatesPerLot = 2, capacity = 1_000_000, staleAfterS = 180, hashFormat = 'scrypt' as HashFormat } = {},
): Promise<Site> {
  const hash = await drillHash(hashFormat);
  const lotIds = Array.from({ length: lots }, (_, l) => `drill-lot-${l}`);
  const file = {
    lots: lotIds.map((id, l) => ({
      id,
      name: { ja: `訓練 ${l}`, en: `Drill ${l}` },
      capacity,
      staleAfterS,
      sensors: Array.from({ length: gatesPerLot }, (_, s) => ({ id: `drill-gate-${l}-${s}`, passwordHash: hash })),
    })),
    accounts: ['ingest', 'api', 'reader'].map((role) => ({ username: `drill-${role}`, role, passwordHash: hash })),
  };
  const lotsFile = join(dir, 'lots.json');
  writeFileSync(lotsFile, JSON.stringify(file));
  const mqttPort = await freePort();
  const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  return {
    dir,
    lotIds,
    sensors: file.lots.flatMap((l) => l.sensors.map((s) => ({ lotId: l.id, sensorId: s.id, password: DRILL_PASSWORD }))),
    capacity,
    mqttPort,
    mqttUrl,
    env: {
      LOTS_FILE: lotsFile,
      MQTT_PORT: String(mqttPort),
      MQTT_URL: mqttUrl,
      INGEST_MQTT_USERNAME: 'drill-ingest',
      INGEST_MQTT_PASSWORD: DRILL_PASSWORD,
      API_MQTT_USERNAME: 'drill-api',
      API_MQTT_PASSWORD: DRILL_PASSWORD,
      DATA_DIR: join(dir, 'data'),
      // The drills' load comes from one address (127.0.0.1) and drives gates faster than a real
      // lane: the per-address and per-sensor abuse limits would measure themselves, not the drill.
      MQTT_SENSOR_MSGS_PER_S: '0',
      MQTT_MAX_CONNECTIONS_PER_ADDRESS: '0',
      MQTT_LOGIN_MAX_FAILURES_PER_ADDRESS: '100000',
      HTTP_RATE_LIMIT_PER_S: '0',
      WS_UPGRADES_PER_S: '0',
      WS_UPGRADES_PER_ADDRESS_PER_S: '0',
    },
  };
}

/** Follows every lot's retained status over MQTT (account role reader), as any subscriber would. */
export async function watchStatuses(site: Site): Promise<{ latest: Map<string, LotStatus>; client: MqttClient; stop(): Promise<void> }> {
  const latest = new Map<string, LotStatus>();
  const { client, ready } = openMqttSession({ url: site.mqttUrl, username: 'drill-reader', password: DRILL_PASSWORD, maxReconnectMs: 2000 });
  client.on('message', (topic, payload) => {
    const lot = parseStatusTopic(topic);
    const parsed = LotStatus.safeParse(JSON.parse(payload.toString()));
    if (lot && parsed.success) latest.set(lot.lotId, parsed.data);
  });
  // resubscribe on every connect: a restarted broker has forgotten every session
  client.on('connect', () => void client.subscribe(site.lotIds.map(statusTopic), { qos: 1 }));
  await ready;
  return { latest, client, stop: () => client.endAsync(true) };
}

/** True when every lot's latest status shows the gates' truth (and is fresh). */
export function countsExact(latest: Map<string, LotStatus>, site: Site, truth: (lotId: string) => number): boolean {
  return site.lotIds.every((id) => {
    const s = latest.get(id);
    return !!s && !s.stale && s.occupied === truth(id);
  });
}
