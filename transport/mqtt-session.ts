/**
 * One MQTT client session, the way every manku part connects to the broker (ingest, the API's
 * broker link, the simulator and recorder): MQTT 3.1.1; resolves on the first CONNACK; rejects
 * at once when the broker refuses the credentials or, over mqtts://, its certificate cannot be
 * verified (retrying cannot help; the error names the setting to fix, and there is no fallback to
 * plain MQTT; see tls-failure.ts); keeps retrying while the
 * broker says "server unavailable" (a sensor before ingest has subscribed) or is unreachable;
 * reconnects with exponential backoff and jitter, so a broker restart is not met by every client
 * at the same instant; service sessions get no Nagle and writes corked per event-loop turn.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { parseBrokerUrls } from './broker-urls.js';
import { tuneForService, type TunableSocket } from './socket-tuning.js';
import { ENV_TLS_SETTINGS, tlsFailure, type TlsSettingNames } from './tls-failure.js';

type Pem = string | Buffer | string[] | Buffer[];

/** For mqtts:// URLs. The broker's certificate and name are always verified (rejectUnauthorized). */
export interface MqttTlsOptions {
  /** PEM CAs to trust instead of the system's (a private CA). */
  ca?: Pem;
  /** The name the broker's certificate must hold (default: the URL's host). */
  servername?: string;
  /** A client certificate and its key (PEM), for a broker that asks for one (its CN = the username). */
  cert?: Pem;
  key?: Pem;
  /** The settings errors tell people to fix (default: MQTT_CA_FILE, MQTT_URL or MQTT_SERVERNAME). */
  settings?: TlsSettingNames;
}

export interface MqttSessionOptions {
  /** One broker, or the nodes of a cluster separated by commas: each reconnect tries the next (broker-urls.ts). */
  url: string;
  username: string;
  password: string;
  /** Names the session in errors, e.g. `ingest account "manku-ingest"`. */
  label?: string;
  clientId?: string;
  /** false: a persistent session (the broker keeps subscriptions and queues QoS 1 while away). */
  clean?: boolean;
  will?: IClientOptions['will'];
  /** A service connection (no Nagle, writes corked per turn); sensors keep the defaults. */
  service?: boolean;
  /** Reconnect backoff: from minMs, doubling to maxMs, each wait jittered to 50–150 %. */
  minReconnectMs?: number;
  maxReconnectMs?: number;
  connectTimeoutMs?: number;
  tls?: MqttTlsOptions;
}

export interface MqttSession {
  /** Register 'message' and 'connect' handlers on it before awaiting `ready`. */
  readonly client: MqttClient;
  /** The first CONNACK; rejects when the broker refuses the credentials (CONNACK 4 or 5) or its TLS certificate cannot be verified. */
  readonly ready: Promise<void>;
}

// [MQTT-3.1.1] CONNACK return codes that retrying cannot fix.
const REFUSED = new Set([1, 2, 4, 5]);

export const jittered = (ms: number, random = Math.random) => Math.round(ms * (0.5 + random()));

/** @example const { client, ready } = openMqttSession({ url, username, password, service: true }); client.on('message', f); await ready; */
export function openMqttSession({
  url,
  username,
  password,
  label = `account "${username}"`,
  clientId,
  clean = true,
  will,
  service = false,
  minReconnectMs = 500,
  maxReconnectMs = 30_000,
  connectTimeoutMs = 10_000,
  tls: { settings = ENV_TLS_SETTINGS, ...tls } = {},
}: MqttSessionOptions): MqttSession {
  let backoff = minReconnectMs;
  const servers = parseBrokerUrls(url);
  if (typeof servers === 'string') throw new Error(`MQTT_URL: ${servers}`);
  const client = mqtt.connect(url.split(',')[0]!.trim(), {
    username,
    password,
    protocolVersion: 4,
    clean,
    connectTimeout: connectTimeoutMs,
    reconnectPeriod: jittered(backoff),
    reconnectOnConnackError: true, // "server unavailable" (a sensor before ingest subscribed) is worth retrying
    ...(servers.length > 1 ? { servers } : {}),
    ...(clientId ? { clientId } : {}),
    ...(will ? { will } : {}),
    ...tls,
    rejectUnauthorized: true, // never configurable: a wrong CA or name is an error, not a warning
  });
  client.on('connect', () => {
    backoff = minReconnectMs;
    client.options.reconnectPeriod = jittered(backoff);
    if (service) tuneForService(client.stream as unknown as TunableSocket);
  });
  // mqtt.js reads reconnectPeriod when it schedules the next attempt, after 'close'.
  client.on('close', () => {
    backoff = Math.min(maxReconnectMs, backoff * 2);
    if (client.options.reconnectPeriod !== 0) client.options.reconnectPeriod = jittered(backoff);
  });
  const ready = new Promise<void>((resolve, reject) => {
    const onError = (err: Error & { code?: unknown }) => {
      const tlsProblem = tlsFailure(err, url, settings);
      const refused = typeof err.code === 'number' && REFUSED.has(err.code);
      if (!refused && !tlsProblem) return; // unreachable, unavailable: keep trying
      client.off('connect', onConnect).off('error', onError);
      client.end(true);
      reject(new Error(tlsProblem ? `${label} cannot connect: ${tlsProblem}` : `broker refused ${label}: ${err.message}`));
    };
    const onConnect = () => {
      client.off('error', onError);
      resolve();
    };
    client.once('connect', onConnect).on('error', onError);
  });
  return { client, ready };
}
