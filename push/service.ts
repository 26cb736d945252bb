/**
 * The NGSI push, wired: one MQTT session (account role `push`) subscribed to the retained lot
 * statuses; a status feed that turns a lot stale when its status grows old (so a dead ingest is
 * pushed as stale too); every change of a lot (count, level, staleness) becomes an upsert of its
 * OffStreetParking entity, sent by the sender; its health is published (retained) for the API's
 * /metrics and /readyz.
 */
import type { MqttClient } from 'mqtt';
import pino, { type Logger } from 'pino';
// The API's status feed is plain logic on protocol and core (no HTTP): the push sees statuses
// exactly as the API serves them, staleness included.
import { createStatusFeed } from '../api/status-feed.js';
import { systemClock, type Clock, type LotsFile } from '../core/index.js';
import { ldEntity, lotAttributes, v2Entity, type Language } from '../ngsi/index.js';
import { pushHealthTopic, STATUS_FILTER, type LotStatus, type PushHealth } from '../protocol/index.js';
import { openMqttSession, tlsFailure, type MqttTlsOptions } from '../transport/index.js';
import { createSender, type SenderOptions, type SenderStats } from './sender.js';
import type { Target } from './request.js';

export interface PushOptions extends Omit<SenderOptions, 'target' | 'clock' | 'logger'> {
  lots: LotsFile;
  target: Target;
  mqttUrl: string;
  /** CA and server name for an `mqtts://` broker (MQTT_CA_FILE, MQTT_SERVERNAME). */
  mqttTls?: MqttTlsOptions;
  username: string;
  password: string;
  clientId?: string;
  language?: Language;
  clock?: Clock;
  logger?: Logger;
  /** How often the push publishes its health (retained). */
  healthIntervalMs?: number;
  /** How often lots are re-evaluated against the clock (staleness). */
  tickMs?: number;
}

export interface Push {
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): SenderStats;
}

export function createPush({
  lots,
  target,
  mqttUrl,
  mqttTls,
  username,
  password,
  clientId = 'manku-ngsi-push',
  language = 'ja',
  clock = systemClock,
  logger = pino({ level: 'silent' }),
  healthIntervalMs = 5000,
  tickMs = 1000,
  ...senderOptions
}: PushOptions): Push {
  const log = logger.child({ component: 'ngsi-push' });
  const sender = createSender({ ...senderOptions, target, clock, logger });
  const feed = createStatusFeed({ lots, clock, logger });
  const byId = new Map(lots.lots.map((l) => [l.id, l]));
  let client: MqttClient | null = null;
  let ticker: NodeJS.Timeout | undefined;
  let healthTicker: NodeJS.Timeout | undefined;

  const unplaced = lots.lots.filter((l) => !l.location).map((l) => l.id);

  function onChange(status: LotStatus) {
    const lot = byId.get(status.lotId);
    const attributes = lot ? lotAttributes(lot, status, language) : null;
    if (!attributes) return; // no location: not published on the data platform (logged at start)
    sender.put(status.lotId, target.flavor === 'ld' ? ldEntity(status.lotId, attributes, { withContext: true }) : v2Entity(status.lotId, attributes));
  }

  function health(): PushHealth {
    const s = sender.stats();
    return { clientId, running: true, at: new Date(clock.now()).toISOString(), flavor: target.flavor, ...s };
  }
  const publishHealth = () => client?.publish(pushHealthTopic(clientId), JSON.stringify(health()), { qos: 1, retain: true });

  return {
    async start() {
      if (unplaced.length) log.warn({ lots: unplaced }, 'lots without a location in the lots file are not pushed (OffStreetParking requires one)');
      feed.onChange(onChange);
      const offline: PushHealth = { clientId, running: false };
      const session = openMqttSession({
        url: mqttUrl,
        username,
        password,
        label: `push account "${username}"`,
        clientId,
        will: { topic: pushHealthTopic(clientId), payload: Buffer.from(JSON.stringify(offline)), qos: 1, retain: true },
        service: true,
        tls: mqttTls,
      });
      const c = session.client;
      client = c;
      c.on('message', feed.onMessage);
      c.on('error', (err) => log.error({ err: tlsFailure(err, mqttUrl, mqttTls?.settings) ?? err.message }, 'MQTT error'));
      c.on('offline', () => log.warn('MQTT connection lost; reconnecting'));
      c.on('connect', () => {
        c.subscribe(STATUS_FILTER, { qos: 1 }, (err, granted) => {
          if (err || granted?.some((g) => g.qos === 128)) return log.error({ err: err?.message, granted }, `could not subscribe; is "${username}" an account with role "push"?`);
          // The retained statuses follow the SUBACK: ticking before them would push every lot as
          // unknown for a moment. A lot with no retained status becomes unknown at the first tick.
          ticker ??= setInterval(feed.tick, tickMs).unref();
        });
        publishHealth();
      });
      await session.ready;
      healthTicker = setInterval(publishHealth, healthIntervalMs).unref();
      log.info({ url: target.url, flavor: target.flavor, lots: lots.lots.length - unplaced.length }, 'NGSI push started');
    },
    async stop() {
      clearInterval(ticker);
      clearInterval(healthTicker);
      sender.stop();
      // A clean stop: say so, as the will would have.
      await client?.publishAsync(pushHealthTopic(clientId), JSON.stringify({ clientId, running: false }), { qos: 1, retain: true }).catch(() => {});
      await client?.endAsync();
      client = null;
    },
    stats: sender.stats,
  };
}
