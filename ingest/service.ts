/**
 * Ingest: subscribes to every counter topic (fixed clientId, persistent session, QoS 1), runs
 * each message through the pipeline, writes to the store, and publishes each lot's status
 * (QoS 1, retained) when it changes or goes stale.
 */
import mqtt, { type MqttClient } from 'mqtt';
import pino, { type Logger } from 'pino';
import {
  CALIBRATION_FILTER,
  calibrationResultTopic,
  LotCommand,
  decodeWith,
  COUNTER_FILTER,
  healthTopic,
  parseCalibrationTopic,
  sameShown,
  statusTopic,
  type LotStatus,
} from '../protocol/index.js';
import { systemClock, type Clock, type LotsFile } from '../core/index.js';
import type { OccupancyStore } from '../storage/index.js';
import { buildHealth, offlineHealth } from './health.js';
import { createHistoryWriter, type HistoryWriter } from './history-writer.js';
import { createPipeline, type Pipeline, type PipelineStats } from './pipeline.js';

export interface IngestOptions {
  lots: LotsFile;
  store: OccupancyStore;
  mqttUrl: string;
  username: string;
  password: string;
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
  /** How often ingest publishes its health (retained) for the API's readiness and metrics. */
  healthIntervalMs?: number;
  /** Count-only changes are written to history at most this often per lot. */
  historyIntervalMs?: number;
}

export interface IngestStats extends PipelineStats {
  connected: boolean;
  statusPublished: number;
}

export interface Ingest {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Re-evaluates and publishes every lot's status now (staleness follows the clock). */
  refresh(): void;
  stats(): IngestStats;
  readonly pipeline: Pipeline;
}

/** Resolves on the first CONNACK; rejects when the broker refuses our credentials (retrying cannot help). */
function connected(c: MqttClient, username: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onConnect = () => {
      c.off('error', onError);
      resolve();
    };
    const onError = (err: Error & { code?: unknown }) => {
      if (err.code !== 4 && err.code !== 5) return;
      c.off('connect', onConnect).off('error', onError);
      c.end(true);
      reject(new Error(`broker refused ingest account "${username}": ${err.message}`));
    };
    c.once('connect', onConnect).on('error', onError);
  });
}

/** Small MQTT packets go out at once rather than waiting on Nagle's algorithm and delayed ACKs. */
export function noNagle(c: MqttClient) {
  const socket = c.stream as { setNoDelay?: (on: boolean) => void } | undefined;
  socket?.setNoDelay?.(true);
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
  healthIntervalMs = 5000,
  historyIntervalMs = 1000,
}: IngestOptions): Ingest {
  const log = logger.child({ component: 'ingest' });
  const dirty = new Set<string>();
  const published = new Map<string, { status: LotStatus; atMs: number }>();
  let scheduled = false;
  let lastFlushAt = -Infinity;
  let pending: NodeJS.Immediate | NodeJS.Timeout | null = null;
  let client: MqttClient | null = null;
  let ticker: NodeJS.Timeout | null = null;
  let healthTicker: NodeJS.Timeout | null = null;
  let statusPublished = 0;

  const pipeline = createPipeline({ lots, clock, store, skewToleranceMs, logger, onChange: markDirty });
  let history: HistoryWriter | null = null;

  // Leading-edge throttle: the first change after a quiet spell goes out on the next turn of the
  // event loop; further changes within statusIntervalMs are coalesced into one status at its end.
  // Under load that turns thousands of readings a second into at most 1000/statusIntervalMs
  // statuses (and history points) per second, for a few milliseconds of added latency.
  function markDirty(lotId: string) {
    dirty.add(lotId);
    if (scheduled) return;
    scheduled = true;
    const wait = lastFlushAt + statusIntervalMs - performance.now();
    pending = wait <= 0 ? setImmediate(publishDirty) : setTimeout(publishDirty, wait);
  }

  function publishDirty() {
    scheduled = false;
    pending = null;
    lastFlushAt = performance.now();
    const now = clock.now();
    for (const lotId of dirty) {
      const status = pipeline.status(lotId);
      if (!status) continue;
      const last = published.get(lotId);
      const material = !last || !sameShown(last.status, status);
      if (!material && (last.status.observedAt === status.observedAt || now - last.atMs < refreshMs)) continue;
      if (material) {
        history?.record(status, pipeline.counter(lotId)!.occupiedRaw, now);
        if (last && last.status.level !== status.level) log.info({ lotId, from: last.status.level, to: status.level, occupied: status.occupied }, 'level changed');
      }
      published.set(lotId, { status, atMs: now });
      client?.publish(statusTopic(lotId), JSON.stringify(status), { qos: 1, retain: true });
      statusPublished += 1;
    }
    dirty.clear();
  }

  function refresh() {
    for (const id of pipeline.lotIds) dirty.add(id);
    publishDirty();
  }

  async function start() {
    await store.start();
    history = createHistoryWriter({ store, nextSeq: pipeline.nextSeq, intervalMs: historyIntervalMs });
    log.info({ store: store.description }, `store: ${store.kind}`);
    pipeline.restore(await store.restore(pipeline.lotIds));
    const c = mqtt.connect(mqttUrl, {
      clientId,
      will: { topic: healthTopic(clientId), payload: Buffer.from(JSON.stringify(offlineHealth(clientId))), qos: 1, retain: true },
      clean: false, // the broker keeps our subscription and queues QoS 1 messages while we are away
      username,
      password,
      protocolVersion: 4,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    });
    client = c;
    let corked = false;
    c.on('message', (topic, payload) => {
      // Under load the broker delivers many messages per socket read and we answer each with a
      // PUBACK; corking until the next turn of the event loop sends them in one write.
      if (!corked && c.stream && typeof c.stream.cork === 'function') {
        corked = true;
        c.stream.cork();
        setImmediate(() => {
          corked = false;
          c.stream?.uncork();
        });
      }
      if (topic.endsWith('/counter')) pipeline.handle(topic, payload);
      else onCalibration(topic, payload);
    });
    c.on('error', (err) => log.error({ err: err.message }, 'MQTT error'));
    c.on('offline', () => log.warn('MQTT connection lost; reconnecting'));
    c.on('connect', (connack) => {
      noNagle(c);
      log.info({ url: mqttUrl, sessionPresent: connack.sessionPresent }, 'ingest connected to broker');
      // Idempotent with a persistent session, and picks up filters added since it was made.
      c.subscribe([COUNTER_FILTER, CALIBRATION_FILTER], { qos: 1 }, (err, granted) => {
        if (err || granted?.some((g) => g.qos === 128)) log.error({ err: err?.message, granted }, 'could not subscribe to counter and calibration topics');
      });
      refresh();
      publishHealth();
    });
    await connected(c, username);
    ticker = setInterval(refresh, tickMs);
    ticker.unref();
    healthTicker = setInterval(publishHealth, healthIntervalMs);
    healthTicker.unref();
  }

  function publishHealth() {
    client?.publish(healthTopic(clientId), JSON.stringify(buildHealth(clientId, pipeline, store, clock)), { qos: 1, retain: true });
  }

  /** `parking/v1/{lotId}/calibration` from the API: validate, apply, answer on `.../calibration/result`. */
  function onCalibration(topic: string, payload: Buffer) {
    const lotId = parseCalibrationTopic(topic);
    if (!lotId) return;
    const command = decodeWith(LotCommand, payload);
    if (!command.ok) {
      log.warn({ topic, err: command.error }, 'invalid calibration command ignored');
      return;
    }
    const result = pipeline.command(lotId, command.data);
    client?.publish(calibrationResultTopic(lotId), JSON.stringify(result), { qos: 1 });
  }

  async function stop() {
    if (ticker) clearInterval(ticker);
    if (healthTicker) clearInterval(healthTicker);
    ticker = healthTicker = null;
    if (client) {
      if (client.connected) {
        const said = client.publishAsync(healthTopic(clientId), JSON.stringify(offlineHealth(clientId)), { qos: 1, retain: true });
        await Promise.race([said.catch(() => {}), new Promise((r) => setTimeout(r, 1000))]);
      }
      if (pending) {
        clearTimeout(pending as NodeJS.Timeout);
        clearImmediate(pending as NodeJS.Immediate);
        publishDirty();
      }
      await client.endAsync();
      client = null;
    }
    history?.stop();
    history = null;
    await store.stop();
    log.info(pipeline.stats(), 'ingest stopped');
  }

  return {
    start,
    stop,
    refresh,
    pipeline,
    stats: () => ({ ...pipeline.stats(), connected: client?.connected ?? false, statusPublished }),
  };
}
