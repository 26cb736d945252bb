/**
 * The API's view of live status: it subscribes to the broker's retained status topics, so any
 * number of API processes can run beside one ingest. A status whose newest observation is older
 * than the lot's stale window is served as unknown: that also covers an ingest that has died.
 */
import mqtt, { type MqttClient } from 'mqtt';
import pino, { type Logger } from 'pino';
import { z } from 'zod';
import { LEVEL_LABELS, LotStatus, parseStatusTopic, STATUS_FILTER } from '../protocol/index.js';
import { systemClock, type Clock, type LotConfig, type LotsFile } from '../core/index.js';

export interface StatusFeedOptions {
  lots: LotsFile;
  mqttUrl: string;
  username: string;
  password: string;
  clock?: Clock;
  logger?: Logger;
  /** Slack on top of a lot's staleAfterS for ingest's refresh interval. */
  graceMs?: number;
}

export interface StatusFeed {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The lot's status now, or null for a lot not in the lots file. */
  get(lotId: string): LotStatus | null;
  all(): LotStatus[];
  readonly connected: boolean;
}

function unknownStatus(lot: LotConfig, from?: LotStatus): LotStatus {
  const base = from ?? { occupied: 0, available: lot.capacity, occupancy: 0, observedAt: null };
  return {
    lotId: lot.id,
    name: lot.name,
    capacity: lot.capacity,
    occupied: base.occupied,
    available: base.available,
    occupancy: base.occupancy,
    observedAt: base.observedAt,
    level: 'unknown',
    label: LEVEL_LABELS.unknown,
    stale: true,
  };
}

export function createStatusFeed({
  lots,
  mqttUrl,
  username,
  password,
  clock = systemClock,
  logger = pino({ level: 'silent' }),
  graceMs = 15_000,
}: StatusFeedOptions): StatusFeed {
  const log = logger.child({ component: 'status-feed' });
  const config = new Map(lots.lots.map((l) => [l.id, l]));
  const latest = new Map<string, LotStatus>();
  let client: MqttClient | null = null;

  function onMessage(topic: string, payload: Buffer) {
    const t = parseStatusTopic(topic);
    if (!t || !config.has(t.lotId)) return;
    let json: unknown;
    try {
      json = JSON.parse(payload.toString('utf8'));
    } catch {
      log.warn({ topic }, 'status is not JSON; ignored');
      return;
    }
    const parsed = LotStatus.safeParse(json);
    if (!parsed.success || parsed.data.lotId !== t.lotId) {
      log.warn({ topic, err: parsed.success ? 'lotId does not match topic' : z.prettifyError(parsed.error) }, 'invalid status ignored');
      return;
    }
    latest.set(t.lotId, parsed.data);
  }

  function get(lotId: string): LotStatus | null {
    const lot = config.get(lotId);
    if (!lot) return null;
    const status = latest.get(lotId);
    if (!status || status.stale) return status ?? unknownStatus(lot);
    const age = status.observedAt === null ? Infinity : clock.now() - Date.parse(status.observedAt);
    return age > lot.staleAfterS * 1000 + graceMs ? unknownStatus(lot, status) : status;
  }

  return {
    async start() {
      const c = mqtt.connect(mqttUrl, { username, password, protocolVersion: 4, reconnectPeriod: 1000, clean: true });
      client = c;
      c.on('message', onMessage);
      c.on('error', (err) => log.error({ err: err.message }, 'MQTT error'));
      c.on('offline', () => log.warn('MQTT connection lost; reconnecting'));
      c.on('connect', () => {
        log.info({ url: mqttUrl }, 'API subscribed to lot status');
        c.subscribe(STATUS_FILTER, { qos: 1 }, (err, granted) => {
          if (err || granted?.some((g) => g.qos === 128)) log.error({ err: err?.message, granted }, 'could not subscribe to status topics');
        });
      });
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error & { code?: unknown }) => {
          if (err.code !== 4 && err.code !== 5) return;
          c.end(true);
          reject(new Error(`broker refused API account "${username}": ${err.message}`));
        };
        c.on('error', onError).once('connect', () => {
          c.off('error', onError);
          resolve();
        });
      });
    },
    async stop() {
      await client?.endAsync();
      client = null;
    },
    get,
    all: () => lots.lots.map((l) => get(l.id)!),
    get connected() {
      return client?.connected ?? false;
    },
  };
}
