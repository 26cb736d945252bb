/**
 * The API's one connection to the broker (the `api` account): it subscribes to lot status,
 * calibration results, ingest, broker and NGSI push health, hands each message to its handler, and
 * publishes calibration commands.
 */
import type { MqttClient } from 'mqtt';
import pino, { type Logger } from 'pino';
import { BROKER_HEALTH_FILTER, CALIBRATION_RESULT_FILTER, HEALTH_FILTER, parse, PUSH_HEALTH_FILTER, STATUS_FILTER } from '../protocol/index.js';
import { openMqttSession, tlsFailure, type MqttTlsOptions } from '../transport/index.js';

export interface BrokerLinkOptions {
  mqttUrl: string;
  username: string;
  password: string;
  logger?: Logger;
  /** For mqtts:// URLs: CA and server name. */
  tls?: MqttTlsOptions;
}

/** The kinds of message the link hands on, each to the handlers registered for it. */
export type LinkMessageKind = 'status' | 'calibrationResult' | 'health' | 'brokerHealth' | 'pushHealth';
export type LinkHandler = (topic: string, payload: Buffer) => void;

export interface BrokerLink {
  /** Registers a handler for one kind of message (before or after start). */
  on(kind: LinkMessageKind, handler: LinkHandler): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  publish(topic: string, payload: string): Promise<void>;
  readonly connected: boolean;
}

export function createBrokerLink({ mqttUrl, username, password, logger = pino({ level: 'silent' }), tls }: BrokerLinkOptions): BrokerLink {
  const log = logger.child({ component: 'broker-link' });
  let client: MqttClient | null = null;
  const handlers: Record<LinkMessageKind, LinkHandler[]> = { status: [], calibrationResult: [], health: [], brokerHealth: [], pushHealth: [] };
  const hand = (kind: LinkMessageKind, topic: string, payload: Buffer) => {
    for (const h of handlers[kind]) h(topic, payload);
  };

  // By the topic's parsed kind, not its ending: ingest and broker health both end in /health.
  function dispatch(topic: string, payload: Buffer) {
    switch (parse(topic)?.kind) {
      case 'status':
        return hand('status', topic, payload);
      case 'calibrationResult':
        return hand('calibrationResult', topic, payload);
      case 'ingestHealth':
        return hand('health', topic, payload);
      case 'brokerHealth':
        return hand('brokerHealth', topic, payload);
      case 'pushHealth':
        return hand('pushHealth', topic, payload);
    }
  }

  return {
    on(kind, handler) {
      handlers[kind].push(handler);
    },
    async start() {
      const session = openMqttSession({ url: mqttUrl, username, password, label: `API account "${username}"`, service: true, tls });
      const c = session.client;
      client = c;
      c.on('message', dispatch);
      c.on('error', (err) => log.error({ err: tlsFailure(err, mqttUrl, tls?.settings) ?? err.message }, 'MQTT error'));
      c.on('offline', () => log.warn('MQTT connection lost; reconnecting'));
      c.on('connect', () => {
        log.info({ url: mqttUrl }, 'API connected to broker');
        // Statuses at QoS 0: each is the lot's whole state, retained, latest wins; a clean session
        // gets every lot's newest again on reconnect, so there is nothing to acknowledge, and a busy
        // API never leaves a queue of outdated statuses in the broker.
        const filters = { [STATUS_FILTER]: { qos: 0 as const }, ...Object.fromEntries([CALIBRATION_RESULT_FILTER, HEALTH_FILTER, BROKER_HEALTH_FILTER, PUSH_HEALTH_FILTER].map((f) => [f, { qos: 1 as const }])) };
        c.subscribe(filters, (err, granted) => {
          if (err || granted?.some((g) => g.qos === 128)) log.error({ err: err?.message, granted }, `could not subscribe; is "${username}" an account with role "api"?`);
        });
      });
      await session.ready;
    },
    async stop() {
      await client?.endAsync();
      client = null;
    },
    async publish(topic, payload) {
      if (!client) throw new Error('not connected to the broker');
      await client.publishAsync(topic, payload, { qos: 1 });
    },
    get connected() {
      return client?.connected ?? false;
    },
  };
}
