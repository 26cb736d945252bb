/**
 * Ingest, wired: one persistent MQTT session (fixed clientId, QoS 1) subscribed to every counter
 * and calibration topic; counter messages go to the ledger, commands to the command handler; the
 * status publisher publishes what changed, the history writer records it, and ingest's health is
 * published (retained) for the API's readiness and metrics.
 */
import type { MqttClient } from 'mqtt';
import pino, { type Logger } from 'pino';
import {
  CALIBRATION_FILTER,
  calibrationResultTopic,
  COUNTER_FILTER,
  healthTopic,
  parse,
  statusTopic,
} from '../protocol/index.js';
import { systemClock, type Clock, type LotsFile } from '../core/index.js';
import type { OccupancyStore } from '../storage/index.js';
import { openMqttSession, tlsFailure, type MqttTlsOptions } from '../transport/index.js';
import { createCommandHandler, type CommandHandler } from './commands.js';
import { buildHealth, offlineHealth } from './health.js';
import { createHistoryWriter } from './history-writer.js';
import { createLedger, type Ledger, type LedgerStats } from './ledger.js';
import { createStatusPublisher } from './status-publisher.js';

export interface IngestOptions {
  lots: LotsFile;
  store: OccupancyStore;
  mqttUrl: string;
  username: string;
  password: string;
  /** For mqtts:// URLs: CA and server name. */
  mqttTls?: MqttTlsOptions;
  clientId?: string;
  clock?: Clock;
  logger?: Logger;
  skewToleranceMs?: number;
  /** How often staleness is re-evaluated. */
  tickMs?: number;
  /** A status whose only change is observedAt is republished at most this often. */
  refreshMs?: number;
  /** Changes within this window are coalesced into one status publish. */
  statusIntervalMs?: number;
  /** A lot's count-only changes are published at most this often (level/staleness changes at once). */
  statusLotIntervalMs?: number;
  /** How often ingest publishes its health (retained) for the API's readiness and metrics. */
  healthIntervalMs?: number;
  /** Count-only changes are written to history at most this often per lot. */
  historyIntervalMs?: number;
}

export interface IngestStats extends LedgerStats {
  calibrationsExpired: number;
  connected: boolean;
  statusPublished: number;
}

export interface Ingest {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Re-evaluates and publishes every lot's status now (staleness follows the clock). */
  refresh(): void;
  stats(): IngestStats;
  readonly ledger: Ledger;
  readonly commands: CommandHandler;
}

export function createIngest({
  lots,
  store,
  mqttUrl,
  username,
  password,
  clientId = 'manku-ingest',
  clock = systemClock,
  logger = pino({ level: 'silent' }),
  skewToleranceMs = 300_000,
  tickMs = 1000,
  refreshMs = 10_000,
  statusIntervalMs = 5,
  statusLotIntervalMs = 1000,
  healthIntervalMs = 5000,
  historyIntervalMs = 1000,
  mqttTls,
}: IngestOptions): Ingest {
  const log = logger.child({ component: 'ingest' });
  let client: MqttClient | null = null;
  let healthTicker: NodeJS.Timeout | null = null;

  const ledger = createLedger({ lots, clock, store, skewToleranceMs, logger, onChange: (lotId) => statuses.changed(lotId) });
  const history = createHistoryWriter({ store, nextSeq: ledger.nextSeq, intervalMs: historyIntervalMs });
  const statuses = createStatusPublisher({
    ledger,
    clock,
    history,
    intervalMs: statusIntervalMs,
    lotIntervalMs: statusLotIntervalMs,
    refreshMs,
    tickMs,
    logger,
    publish: (lotId, status) => client?.publish(statusTopic(lotId), JSON.stringify(status), { qos: 1, retain: true }),
  });
  const commands = createCommandHandler({
    ledger,
    clock,
    logger,
    answer: (lotId, result) => client?.publish(calibrationResultTopic(lotId), JSON.stringify(result), { qos: 1 }),
  });

  const stats = (): IngestStats => ({ ...ledger.stats(), ...commands.stats(), connected: client?.connected ?? false, statusPublished: statuses.published });

  function publishHealth() {
    client?.publish(healthTopic(clientId), JSON.stringify(buildHealth(clientId, ledger, stats(), store, clock)), { qos: 1, retain: true });
  }

  /** Dispatch once, on the topic's kind (protocol/topics.ts). */
  function onMessage(topic: string, payload: Buffer) {
    const m = parse(topic);
    switch (m?.kind) {
      case 'calibration':
        return commands.onMessage(m.params.lotId, payload);
      default:
        return ledger.handle(topic, payload); // counter topics; anything else is rejected and counted there
    }
  }

  async function start() {
    // The store first: nothing is counted from an empty state. The broker refuses sensors until
    // our subscription exists, so nothing is acknowledged meanwhile either.
    await store.start();
    log.info({ store: store.description }, `store: ${store.kind}`);
    ledger.restore(await store.restore(ledger.lotIds));
    history.start();
    const session = openMqttSession({
      url: mqttUrl,
      username,
      password,
      label: `ingest account "${username}"`,
      clientId,
      clean: false, // the broker keeps our subscription and queues QoS 1 messages while we are away
      will: { topic: healthTopic(clientId), payload: Buffer.from(JSON.stringify(offlineHealth(clientId))), qos: 1, retain: true },
      service: true, // PUBACKs for a burst of deliveries leave in one write
      tls: mqttTls,
    });
    const c = session.client;
    client = c;
    c.on('message', onMessage);
    c.on('error', (err) => log.error({ err: tlsFailure(err, mqttUrl, mqttTls?.settings) ?? err.message }, 'MQTT error'));
    c.on('offline', () => log.warn('MQTT connection lost; reconnecting'));
    c.on('connect', (connack) => {
      log.info({ url: mqttUrl, sessionPresent: connack.sessionPresent }, 'ingest connected to broker');
      // Idempotent with a persistent session, and picks up filters added since it was made.
      c.subscribe([COUNTER_FILTER, CALIBRATION_FILTER], { qos: 1 }, (err, granted) => {
        if (err || granted?.some((g) => g.qos === 128)) log.error({ err: err?.message, granted }, 'could not subscribe to counter and calibration topics');
      });
      statuses.refresh();
      publishHealth();
    });
    await session.ready;
    statuses.start();
    healthTicker = setInterval(publishHealth, healthIntervalMs);
    healthTicker.unref();
  }

  async function stop() {
    if (healthTicker) clearInterval(healthTicker);
    healthTicker = null;
    if (client?.connected) {
      const said = client.publishAsync(healthTopic(clientId), JSON.stringify(offlineHealth(clientId)), { qos: 1, retain: true });
      const failed = (err: Error) => log.debug({ err: err.message }, 'could not say "offline" before stopping; the last will says it');
      await Promise.race([said.catch(failed), new Promise((r) => setTimeout(r, 1000))]);
    }
    statuses.stop(); // what is pending goes out before the session ends
    await client?.endAsync();
    client = null;
    history.stop();
    await store.stop();
    log.info(stats(), 'ingest stopped');
  }

  return { start, stop, refresh: () => statuses.refresh(), ledger, commands, stats };
}
