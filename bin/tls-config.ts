/**
 * TLS settings from the environment (the variables are in config.ts's Env and in
 * docs/configuration.md): which listeners use TLS with which files, and how ingest and the API
 * reach the broker. Rules between variables are checked here, each issue naming its variables.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { BrokerTlsOptions } from '../broker/index.js';
import { readTlsCredentials, type MqttTlsOptions, type TlsFiles } from '../transport/index.js';
import type { Env } from './config.js';

export const DEFAULT_MQTT_TLS_PORT = 8883;

type TlsEnv = Pick<
  Env,
  | 'MQTT_HOST'
  | 'MQTT_PORT'
  | 'MQTT_URL'
  | 'TLS_CERT_FILE'
  | 'TLS_KEY_FILE'
  | 'MQTT_TLS_PORT'
  | 'MQTT_TLS_CA_FILE'
  | 'MQTT_TLS_CLIENT_CERT'
  | 'MQTT_CA_FILE'
  | 'MQTT_SERVERNAME'
  | 'API_TLS_CERT_FILE'
  | 'API_TLS_KEY_FILE'
>;

/** Rules between TLS variables; each issue is `VARIABLE: what to do`. */
export function tlsEnvIssues(env: TlsEnv): string[] {
  const issues: string[] = [];
  const tls = Boolean(env.TLS_CERT_FILE && env.TLS_KEY_FILE);
  if (Boolean(env.TLS_CERT_FILE) !== Boolean(env.TLS_KEY_FILE)) issues.push('TLS_CERT_FILE: set it together with TLS_KEY_FILE (or neither)');
  const apiOff = env.API_TLS_CERT_FILE === 'off';
  if (!apiOff && Boolean(env.API_TLS_CERT_FILE) !== Boolean(env.API_TLS_KEY_FILE)) {
    issues.push('API_TLS_CERT_FILE: set it together with API_TLS_KEY_FILE (or neither; "off" serves plain HTTP)');
  }
  if (env.MQTT_PORT === 'off' && !tls) issues.push('MQTT_PORT: "off" leaves the broker no listener; set TLS_CERT_FILE and TLS_KEY_FILE for MQTT over TLS');
  if (env.MQTT_TLS_PORT !== undefined && !tls) issues.push('MQTT_TLS_PORT: needs TLS_CERT_FILE and TLS_KEY_FILE');
  if (env.MQTT_TLS_CA_FILE && !tls) issues.push('MQTT_TLS_CA_FILE: client certificates need TLS_CERT_FILE and TLS_KEY_FILE');
  if (env.MQTT_TLS_CLIENT_CERT && !env.MQTT_TLS_CA_FILE) issues.push('MQTT_TLS_CLIENT_CERT: needs MQTT_TLS_CA_FILE, the CA that signs the client certificates');
  const tlsPort = env.MQTT_TLS_PORT ?? DEFAULT_MQTT_TLS_PORT;
  if (tls && env.MQTT_PORT === tlsPort && tlsPort !== 0) issues.push(`MQTT_TLS_PORT: ${tlsPort} is MQTT_PORT too; give TLS its own port (or MQTT_PORT=off)`);
  return issues;
}

/** The broker's TLS listener, when TLS_CERT_FILE/TLS_KEY_FILE are set. */
export function brokerTlsOf(env: TlsEnv): BrokerTlsOptions | undefined {
  if (!env.TLS_CERT_FILE || !env.TLS_KEY_FILE) return undefined;
  return {
    certFile: env.TLS_CERT_FILE,
    keyFile: env.TLS_KEY_FILE,
    port: env.MQTT_TLS_PORT ?? DEFAULT_MQTT_TLS_PORT,
    ...(env.MQTT_TLS_CA_FILE ? { caFile: env.MQTT_TLS_CA_FILE, clientCert: env.MQTT_TLS_CLIENT_CERT ?? 'optional' } : {}),
  };
}

/** The API's certificate: API_TLS_* when set, else TLS_CERT_FILE/TLS_KEY_FILE; none with API_TLS_CERT_FILE=off. */
export function apiTlsOf(env: TlsEnv): Pick<TlsFiles, 'certFile' | 'keyFile'> | undefined {
  if (env.API_TLS_CERT_FILE === 'off') return undefined;
  if (env.API_TLS_CERT_FILE && env.API_TLS_KEY_FILE) return { certFile: env.API_TLS_CERT_FILE, keyFile: env.API_TLS_KEY_FILE };
  if (env.TLS_CERT_FILE && env.TLS_KEY_FILE) return { certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE };
  return undefined;
}

/**
 * Where ingest and the API reach the broker: MQTT_URL, else the plain port on MQTT_HOST, else
 * (MQTT_PORT=off) the TLS port, on loopback when the broker binds every address.
 */
export function mqttUrlOf(env: TlsEnv): string {
  if (env.MQTT_URL) return env.MQTT_URL;
  const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h);
  if (env.MQTT_PORT !== 'off') return `mqtt://${bracket(env.MQTT_HOST)}:${env.MQTT_PORT}`;
  const host = env.MQTT_HOST === '0.0.0.0' || env.MQTT_HOST === '::' ? '127.0.0.1' : env.MQTT_HOST;
  return `mqtts://${bracket(host)}:${env.MQTT_TLS_PORT ?? DEFAULT_MQTT_TLS_PORT}`;
}

function readPem(variable: string, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${variable}: cannot read ${file}: ${(err as Error).message}`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`${variable}: ${file} holds no PEM certificate`);
  return text;
}

/**
 * TLS options of ingest's and the API's broker connection. The CA: MQTT_CA_FILE; unset, in a
 * process that holds the broker's certificate (`manku all`), the system's CAs plus the
 * certificates in TLS_CERT_FILE (enough for a self-signed or publicly trusted certificate; a
 * private CA needs MQTT_CA_FILE); else the system's CAs.
 */
export function mqttClientTlsOf(env: TlsEnv): MqttTlsOptions {
  const ca = env.MQTT_CA_FILE
    ? readPem('MQTT_CA_FILE', env.MQTT_CA_FILE)
    : env.TLS_CERT_FILE && mqttUrlOf(env).startsWith('mqtts:')
      ? [...rootCertificates, readPem('TLS_CERT_FILE', env.TLS_CERT_FILE)]
      : undefined;
  return { ...(ca ? { ca } : {}), ...(env.MQTT_SERVERNAME ? { servername: env.MQTT_SERVERNAME } : {}) };
}

/** Reads and checks the listeners' certificate files now, so a bad one stops start-up naming its variables. */
export function checkListenerFiles(env: TlsEnv): void {
  const broker = brokerTlsOf(env);
  const api = apiTlsOf(env);
  const check = (names: string, files: TlsFiles) => {
    try {
      readTlsCredentials(files);
    } catch (err) {
      throw new Error(`${names}: ${(err as Error).message}`);
    }
  };
  if (broker) check(broker.caFile ? 'TLS_CERT_FILE/TLS_KEY_FILE/MQTT_TLS_CA_FILE' : 'TLS_CERT_FILE/TLS_KEY_FILE', broker);
  if (api && api.certFile !== broker?.certFile) check('API_TLS_CERT_FILE/API_TLS_KEY_FILE', api);
}
