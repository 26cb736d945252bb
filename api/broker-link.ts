/**
 * The API's one connection to the broker (the `api` account): it subscribes to lot status,
 * calibration results, ingest health and broker health, hands each message to its handler, and
 * publishes calibration commands.
 */
import mqtt, { type MqttClient } from 'mqtt';
import pino, { type Logger } from 'pino';
import { BROKER_HEALTH_FILTER, CALIBRATION_RESULT_FILTER, HEALTH_FILTER, parse, STATUS_FILTER } from '../protocol/index.js';

export interface BrokerLinkOptions {
  mqttUrl: string;
  username: string;
  password: string;
  logger?: Logger;
  /** Called for every message, by topic kind. */
  handlers: {
    status(topic: string, payload: Buffer): void;
    calibrationResult(topic: string, payload: Buffer): void;
    health(topic: string, payload: Buffer): void;
    brokerHealth(topic: string, payload: Buffer): void;
  };
}

export interface BrokerLink {
  start(): Promise<void>;
  stop(): Promise<void>;
  publish(topic: string, payload: string): Promise<void>;
  readonly connected: boolean;
}

export function createBrokerLink({ mqttUrl, username, password, logger = pino({ level: 'silent' }), handlers }: BrokerLinkOptions): BrokerLink {
  const log = logger.child({ component: 'broker-link' });
  let client: MqttClient | null = null;

  // By the topic's parsed kind, not its ending: ingest and broker health both end in /health.
  function dispatch(topic: string, payload: Buffer) {
    switch (parse(topic)?.kind) {
      case 'status':
        return handlers.status(topic, payload);
      case 'calibrationResult':
        return handlers.calibrationResult(topic, payload);
      case 'ingestHealth':
        return handlers.health(topic, payload);
      case 'brokerHealth':
        return handlers.brokerHealth(topic, payload);
    }
  }

  return {
    async start() {
      const c = mqtt.connect(mqttUrl, { username, password, protocolVersion: 4, reconnectPeriod: 1000, clean: true });
      client = c;
      c.on('message', dispatch);
      c.on('error', (err) => log.error({ err: err.message }, 'MQTT error'));
      c.on('offline', () => log.warn('MQTT connection lost; reconnecting'));
      c.on('connect', () => {
        (c.stream as { setNoDelay?: (on: boolean) => void } | undefined)?.setNoDelay?.(true); // no Nagle delay on status
        log.info({ url: mqttUrl }, 'API connected to broker');
        c.subscribe([STATUS_FILTER, CALIBRATION_RESULT_FILTER, HEALTH_FILTER, BROKER_HEALTH_FILTER], { qos: 1 }, (err, granted) => {
          if (err || granted?.some((g) => g.qos === 128)) log.error({ err: err?.message, granted }, `could not subscribe; is "${username}" an account with role "api"?`);
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
    async publish(topic, payload) {
      if (!client) throw new Error('not connected to the broker');
      await client.publishAsync(topic, payload, { qos: 1 });
    },
    get connected() {
      return client?.connected ?? false;
    },
  };
}
