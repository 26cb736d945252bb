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
  gatesTopic,
  filterFor,
  healthTopic,
  parse,
  statusTopic,
} from '../protocol/index.js';
import { owns, partitionLabel, systemClock, WHOLE, type Clock, type LotsFile, type Partition } from '../core/index.js';
import type { OccupancyStore } from '../storage/index.js';
import { openMqttSession, tlsFailure, type MqttTlsOptions } from '../transport/index.js';
import { createCommandHandler, type CommandHandler } from './commands.js';
import { createGatePublisher } from './gate-publisher.js';
import { createGateTracker, type GateTracker } from './gate-tracker.js';
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
  /** A lot's gates are republished at most this often while only their counters change (GATE_STATE_INTERVAL_MS). */
  gateIntervalMs?: number;
  /** INGEST_PARTITION: own only the lots of this partition (core/partition.ts); default all of them. */
  partition?: Partition;
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
  readonly gates: GateTracker;
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
  gateIntervalMs = 5000,
  mqttTls,
  partition = WHOLE,
}: IngestOptions): Ingest {
  const log = logger.child({ component: 'ingest' });
  const mine = { ...lots, lots: lots.lots.filter((l) => owns(partition, l.id)) };
  const filters = subscriptionFilters(mine, partition);
  let client: MqttClient | null = null;
  let stopping = false;
  let healthTicker: NodeJS.Timeout | null = null;

  const ledger = createLedger({ lots: mine, clock, store, skewToleranceMs, logger, onChange: (lotId) => {
    statuses.changed(lotId);
    gateStates.touch(lotId); // a calibration or reset shows in the gates' state too
  } });
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

  const gates = createGateTracker({ lots: mine, ledger });
  const gateStates = createGatePublisher({
    tracker: gates,
    lotIds: ledger.lotIds,
    clock,
    intervalMs: gateIntervalMs,
    tickMs,
    publish: (lotId, state) => client?.publish(gatesTopic(lotId), JSON.stringify(state), { qos: 1, retain: true }),
  });

  const stats = (): IngestStats => ({ ...ledger.stats(), ...commands.stats(), connected: client?.connected ?? false, statusPublished: statuses.published });

  function publishHealth() {
    client?.publish(healthTopic(clientId), JSON.stringify({ ...buildHealth(clientId, ledger, stats(), store, clock), partition: partitionLabel(partition) }), { qos: 1, retain: true });
  }

  /** Dispatch once, on the topic's kind (protocol/topics.ts). */
  function onMessage(topic: string, payload: Buffer) {
    const m = parse(topic);
    switch (m?.kind) {
      case 'calibration':
        // Another partition's lot (a filter left in a persistent session): its owner answers, not us.
        if (!owns(partition, m.params.lotId)) return log.debug({ lotId: m.params.lotId }, 'calibration for a lot of another partition ignored');
        return commands.onMessage(m.params.lotId, payload);
      default: {
        // counter topics; anything else is rejected and counted there
        const result = ledger.handle(topic, payload);
        const gate = gates.observe(topic, result, clock.now());
        if (gate) gateStates.changed(gate.lotId, gate.sensorId);
        return result;
      }
    }
  }

  async function start() {
    // The store first: nothing is counted from an empty state. The broker refuses sensors until
    // our subscription exists, so nothing is acknowledged meanwhile either.
    await store.start();
    log.info({ store: store.description }, `store: ${store.kind}`);
    if (partition.count > 1) log.info({ partition: partitionLabel(partition), lots: ledger.lotIds.length, of: lots.lots.length }, 'ingest partition');
    if (ledger.lotIds.length === 0) log.warn({ partition: partitionLabel(partition) }, 'this partition owns no lot of the lots file');
    ledger.restore(await store.restore(ledger.lotIds));
    history.start();
    const session = openMqttSession({
      url: mqttUrl,
      username,
      password,
      label: `ingest account "${username}"`,
      clientId,
      clean: false, // the broker keeps our subscription and queues QoS 1 messages while we are away
      will: { topic: healthTopic(clientId), payload: Buffer.from(JSON.stringify(offlineHealth(clientId, partitionLabel(partition)))), qos: 1, retain: true },
      service: true, // PUBACKs for a burst of deliveries leave in one write
      tls: mqttTls,
    });
    const c = session.client;
    client = c;
    c.on('message', onMessage);
    c.on('error', (err) => {
      // While stopping, messages already received are still counted (their PUBACKs may not leave;
      // the broker redelivers them and seq makes them duplicates), but their publishes fail: expected.
      if (stopping) return void log.debug({ err: err.message }, 'MQTT error while stopping');
      log.error({ err: tlsFailure(err, mqttUrl, mqttTls?.settings) ?? err.message }, 'MQTT error');
    });
    c.on('offline', () => log.warn('MQTT connection lost; reconnecting'));
    c.on('connect', (connack) => {
      log.info({ url: mqttUrl, sessionPresent: connack.sessionPresent }, 'ingest connected to broker');
      // Idempotent with a persistent session, and picks up filters added since it was made. A
      // partition drops the all-lots filters a session of the same client id may still hold.
      if (partition.count > 1) c.unsubscribe([COUNTER_FILTER, CALIBRATION_FILTER]);
      for (const chunk of filters) {
        c.subscribe(chunk, { qos: 1 }, (err, granted) => {
          if (err || granted?.some((g) => g.qos === 128)) log.error({ err: err?.message, granted }, 'could not subscribe to counter and calibration topics');
        });
      }
      statuses.refresh();
      gateStates.refresh();
      publishHealth();
    });
    await session.ready;
    statuses.start();
    gateStates.start();
    healthTicker = setInterval(publishHealth, healthIntervalMs);
    healthTicker.unref();
  }

  async function stop() {
    stopping = true;
    if (healthTicker) clearInterval(healthTicker);
    healthTicker = null;
    if (client?.connected) {
      const said = client.publishAsync(healthTopic(clientId), JSON.stringify(offlineHealth(clientId, partitionLabel(partition))), { qos: 1, retain: true });
      const failed = (err: Error) => log.debug({ err: err.message }, 'could not say "offline" before stopping; the last will says it');
      await Promise.race([said.catch(failed), new Promise((r) => setTimeout(r, 1000))]);
    }
    statuses.stop(); // what is pending goes out before the session ends
    gateStates.stop();
    await client?.endAsync();
    client = null;
    history.stop();
    await store.stop();
    log.info(stats(), 'ingest stopped');
  }

  return { start, stop, refresh: () => statuses.refresh(), ledger, commands, gates, stats };
}

/** Filters per SUBSCRIBE packet: 5,000 lots' filters in one packet would pass the broker's packet limit. */
const FILTERS_PER_SUBSCRIBE = 200;

/**
 * What ingest subscribes to: every lot's counter and calibration topics, or, for a partition, each
 * of its lots' (`parking/v1/LOT/+/counter`), so that the broker delivers it only its lots' messages
 * and holds back a sensor until its lot's partition has subscribed (broker/counter-subscribers.ts).
 */
export function subscriptionFilters(lots: Pick<LotsFile, 'lots'>, partition: Partition): string[][] {
  if (partition.count === 1) return [[COUNTER_FILTER, CALIBRATION_FILTER]];
  const all = lots.lots.flatMap((l) => [filterFor('counter', { lotId: l.id }), filterFor('calibration', { lotId: l.id })]);
  const chunks: string[][] = [];
  for (let i = 0; i < all.length; i += FILTERS_PER_SUBSCRIBE) chunks.push(all.slice(i, i + FILTERS_PER_SUBSCRIBE));
  return chunks;
}
