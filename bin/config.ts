/**
 * Configuration: environment variables and the lots file, validated at start-up.
 * Every variable is listed in docs/configuration.md.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LotsFile, PartitionText, WHOLE, type Partition } from '../core/index.js';
import { Id } from '../protocol/index.js';
import { verifyPassword, type BrokerLimits } from '../broker/index.js';
import { InfluxUrl } from '../storage/index.js';
import type { BrokerTlsOptions } from '../broker/index.js';
import { parseBrokerUrls, type MqttTlsOptions, type TlsFiles } from '../transport/index.js';
import { apiTlsOf, brokerTlsOf, checkListenerFiles, mqttClientTlsOf, mqttUrlOf, tlsEnvIssues } from './tls-config.js';
import { trustList } from '../api/client-address.js';
import type { ApiOptions } from '../api/index.js';

export const DEMO_LOTS_FILE = fileURLToPath(new URL('../config/demo-lots.json', import.meta.url));
export const DEMO_PASSWORD = 'demo';

const port = z.coerce.number().int().min(0).max(65535);
const LOOPBACK = /^(localhost|127(\.\d+){3}|\[::1\])$/;
const positive = z.coerce.number().int().positive();

export const Env = z.object({
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** json: one JSON object per line; pretty: for people. Unset: pretty on a terminal, else json. */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  LOTS_FILE: z.string().min(1).optional(),
  MQTT_HOST: z.string().min(1).default('127.0.0.1'),
  /** `off`: no plain listener (MQTT over TLS only). */
  MQTT_PORT: z.union([z.literal('off'), port]).default(1883),
  /** One broker, or a cluster's nodes separated by commas (failover: transport/broker-urls.ts). */
  MQTT_URL: z
    .string()
    .superRefine((v, ctx) => {
      const servers = parseBrokerUrls(v);
      if (typeof servers === 'string') ctx.addIssue({ code: 'custom', message: servers });
    })
    .optional(),
  MQTT_CONNECT_TIMEOUT_MS: positive.default(10_000),
  BROKER_ID: Id.default('manku-broker'),
  // Broker abuse limits (broker/limits.ts, docs/operations.md).
  MQTT_MAX_PACKET_BYTES: positive.min(1024).default(4096),
  MQTT_MAX_SERVICE_PACKET_BYTES: positive.min(4096).max(256 * 1024 * 1024).default(1 << 20),
  MQTT_LOGIN_MAX_FAILURES: positive.default(10),
  MQTT_LOGIN_MAX_FAILURES_PER_ADDRESS: positive.default(100),
  MQTT_LOGIN_WINDOW_S: positive.default(600),
  MQTT_LOGIN_LOCKOUT_S: positive.default(60),
  MQTT_LOGIN_MAX_LOCKOUT_S: positive.default(1800),
  MQTT_SENSOR_MSGS_PER_S: z.coerce.number().min(0).default(20),
  MQTT_SENSOR_BURST: positive.default(100),
  MQTT_MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(0).default(1000),
  INGEST_MQTT_USERNAME: z.string().min(1).default('demo-ingest'),
  INGEST_MQTT_PASSWORD: z.string().min(1).default(DEMO_PASSWORD),
  /** Default `manku-ingest`, or `manku-ingest-KofN` with INGEST_PARTITION (ingestClientIdOf). */
  INGEST_CLIENT_ID: z.string().min(1).max(23).optional(),
  /** `k/N`: this ingest owns the lots of partition k of N (core/partition.ts); unset: every lot. */
  INGEST_PARTITION: PartitionText.optional(),
  /** `manku api` only: this many API processes under node:cluster on one port (bin/api-workers.ts). */
  API_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  STATUS_MIN_INTERVAL_MS: z.coerce.number().int().min(0).default(1000),
  API_MQTT_USERNAME: z.string().min(1).default('demo-api'),
  API_MQTT_PASSWORD: z.string().min(1).default(DEMO_PASSWORD),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(8080),
  INFLUX_URL: InfluxUrl.optional(),
  INFLUX_BUFFER_POINTS: positive.default(100_000),
  INFLUX_BATCH_POINTS: positive.max(5000).default(5000),
  INFLUX_FLUSH_MS: positive.default(250),
  INFLUX_TIMEOUT_MS: positive.default(10_000),
  DATA_DIR: z.string().min(1).default('./data'),
  EMBEDDED_HISTORY_POINTS: positive.default(100_000),
  CLOCK_SKEW_TOLERANCE_S: positive.default(300),
  STORE_STOP_TIMEOUT_MS: positive.default(5000),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters (e.g. openssl rand -hex 24)').optional(),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters (e.g. openssl rand -hex 24)').optional(),
  ALLOWED_ORIGINS: z
    .string()
    .default('*')
    .transform((s) => s.split(',').map((o) => o.trim()).filter(Boolean))
    .refine((list) => list.every((o) => o === '*' || /^https?:\/\/[^/]+$/.test(o)), 'use * or origins like https://hospital.example.jp, comma-separated'),
  WS_PING_INTERVAL_MS: positive.default(30_000),
  WS_MAX_BUFFERED_BYTES: positive.default(1 << 20),
  WS_DRAIN_TIMEOUT_MS: positive.default(15_000),
  WS_MAX_CLIENTS_PER_ADDRESS: z.coerce.number().int().min(0).default(100),
  /** Operators sign in with the city's OpenID Connect provider (issue 12); see docs/configuration.md. */
  ADMIN_OIDC_ISSUER: z
    .url({ protocol: /^https?$/ })
    .refine((u) => u.startsWith('https:') || LOOPBACK.test(new URL(u).hostname), 'use https:// (plain http only on a loopback address, for tests)')
    .optional(),
  ADMIN_OIDC_AUDIENCE: z.string().min(1).optional(),
  ADMIN_OIDC_ROLE_CLAIM: z.string().min(1).default('roles'),
  ADMIN_OIDC_ROLE: z.string().min(1).default('manku-admin'),
  ADMIN_OIDC_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30),
  ADMIN_OIDC_JWKS_COOLDOWN_S: z.coerce.number().int().min(1).default(30),
  /** The admin CLI's bearer token (an operator's access token); default ADMIN_TOKEN. */
  ADMIN_BEARER: z.string().min(1).optional(),
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((s) => (s ?? '').split(',').map((a) => a.trim()).filter(Boolean))
    .superRefine((list, ctx) => {
      try {
        trustList(list);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `${(err as Error).message}; use addresses or CIDR ranges of your reverse proxies, comma-separated` });
      }
    }),
  HTTP_RATE_LIMIT_PER_S: z.coerce.number().min(0).default(50),
  HTTP_RATE_LIMIT_BURST: positive.default(500),
  RATE_LIMIT_MAX_ADDRESSES: positive.default(50_000),
  WS_UPGRADES_PER_S: z.coerce.number().min(0).default(1000),
  WS_UPGRADE_BURST: positive.default(2000),
  WS_UPGRADES_PER_ADDRESS_PER_S: z.coerce.number().min(0).default(20),
  WS_UPGRADE_BURST_PER_ADDRESS: positive.default(100),
  HTTP_HEADERS_TIMEOUT_MS: positive.default(20_000),
  HTTP_REQUEST_TIMEOUT_MS: positive.default(30_000),
  HTTP_HANDLER_TIMEOUT_MS: z.coerce.number().int().min(0).default(20_000),
  FRAME_ANCESTORS: z.string().min(1).optional(),
  /** Where admin CLI commands reach the API (default http://HOST:PORT). */
  API_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** TLS (bin/tls-config.ts): the broker's MQTT over TLS and, unless overridden, the API's HTTPS. */
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  MQTT_TLS_PORT: port.optional(),
  MQTT_TLS_CA_FILE: z.string().min(1).optional(),
  MQTT_TLS_CLIENT_CERT: z.enum(['optional', 'required']).optional(),
  MQTT_CA_FILE: z.string().min(1).optional(),
  MQTT_SERVERNAME: z.string().min(1).optional(),
  API_TLS_CERT_FILE: z.string().min(1).optional(),
  API_TLS_KEY_FILE: z.string().min(1).optional(),
  // The city's data platform (docs/city-platform.md): the push runs when NGSI_PUSH_URL is set.
  NGSI_PUSH_URL: z.url({ protocol: /^https?$/ }).optional(),
  NGSI_FLAVOR: z.enum(['ld', 'v2']).default('ld'),
  /** NGSI-LD: NGSILD-Tenant; NGSI v2: Fiware-Service. */
  NGSI_TENANT: z.string().regex(/^[A-Za-z0-9_]{1,50}$/, 'letters, digits and _ (at most 50), as Orion accepts for a service/tenant').optional(),
  /** NGSI v2: Fiware-ServicePath. */
  NGSI_SERVICE_PATH: z.string().regex(/^\/[A-Za-z0-9_]{1,50}(\/[A-Za-z0-9_]{1,50}){0,9}$/, 'an absolute path like /aizuwakamatsu/parking').optional(),
  NGSI_TOKEN: z.string().min(1).optional(),
  NGSI_TIMEOUT_MS: positive.default(5000),
  /** The language of NGSI names and addresses (the other name goes to alternateName). */
  NGSI_LANGUAGE: z.enum(['ja', 'en']).default('ja'),
  PUSH_MQTT_USERNAME: z.string().min(1).default('demo-push'),
  PUSH_MQTT_PASSWORD: z.string().min(1).default(DEMO_PASSWORD),
  PUSH_CLIENT_ID: z.string().min(1).max(23).default('manku-ngsi-push'),
  /** How often the API retrains each lot's forecast model from the stored history (docs/forecast.md). */
  FORECAST_REFRESH_S: positive.min(10).default(3600),
  /** Operators' gate view (issue 13, docs/operations.md#gates): ingest's coalescing, the API's cap on per-gate metric series. */
  GATE_STATE_INTERVAL_MS: positive.default(5000),
  METRICS_MAX_GATES: z.coerce.number().int().min(0).default(1000),
});
export type Env = z.infer<typeof Env>;

export interface Config {
  env: Env;
  lotsFile: string;
  lots: LotsFile;
  /** The URL ingest and the API use to reach the broker. */
  mqttUrl: string;
  /** TLS options of that connection (mqtts://). */
  mqttTls: MqttTlsOptions;
  /** The broker's TLS listener, if any. */
  brokerTls?: BrokerTlsOptions;
  /** The API's certificate, if it serves HTTPS. */
  apiTls?: Pick<TlsFiles, 'certFile' | 'keyFile'>;
}

export class ConfigError extends Error {}

/** One issue on the title's line (`invalid environment: PORT: ...`), several as a list below it. */
function describe(title: string, error: z.ZodError, name: (path: PropertyKey[]) => string = () => '') {
  const issues = error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}${name(i.path)}: ` : ''}${i.message}`);
  return issues.length === 1 ? `${title}: ${issues[0]}` : `${title}:\n${issues.map((i) => `  ${i}`).join('\n')}`;
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const blanksDropped = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const parsed = Env.safeParse(blanksDropped);
  if (!parsed.success) throw new ConfigError(describe('invalid environment', parsed.error));
  const tlsIssues = tlsEnvIssues(parsed.data);
  if (tlsIssues.length === 1) throw new ConfigError(`invalid environment: ${tlsIssues[0]}`);
  if (tlsIssues.length > 1) throw new ConfigError(`invalid environment:\n${tlsIssues.map((i) => `  ${i}`).join('\n')}`);
  return parsed.data;
}

/** ` (sensor "g1")` for an issue inside a sensor or account entry, so a bad hash names its account. */
function accountAt(json: unknown, path: PropertyKey[]): string {
  const at = path.indexOf('sensors') >= 0 ? path.indexOf('sensors') + 2 : path[0] === 'accounts' ? 2 : -1;
  if (at < 0 || path.length <= at) return '';
  const entry = path.slice(0, at).reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown> | undefined)?.[k], json) as { id?: unknown; username?: unknown } | undefined;
  const id = entry?.id ?? entry?.username;
  return typeof id === 'string' ? ` (${path[0] === 'accounts' ? 'account' : 'sensor'} "${id}")` : '';
}

export function loadLotsFile(path: string): LotsFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read lots file ${path}: ${(err as Error).message}`);
  }
  const parsed = LotsFile.safeParse(json);
  if (!parsed.success) throw new ConfigError(describe(`invalid lots file ${path}`, parsed.error, (p) => accountAt(json, p)));
  return parsed.data;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const env = loadEnv(source);
  const lotsFile = env.LOTS_FILE ?? DEMO_LOTS_FILE;
  let mqttTls: MqttTlsOptions;
  try {
    checkListenerFiles(env);
    mqttTls = mqttClientTlsOf(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const tls = { mqttTls, brokerTls: brokerTlsOf(env), apiTls: apiTlsOf(env) };
  return { env, lotsFile, lots: loadLotsFile(lotsFile), mqttUrl: mqttUrlOf(env), ...tls };
}

/** The broker's abuse limits from the environment; a rate or cap of 0 turns it off. */
export function brokerLimitsOf(env: Env): BrokerLimits {
  return {
    maxPacketBytes: env.MQTT_MAX_PACKET_BYTES,
    maxServicePacketBytes: Math.max(env.MQTT_MAX_PACKET_BYTES, env.MQTT_MAX_SERVICE_PACKET_BYTES),
    login: {
      maxFailures: env.MQTT_LOGIN_MAX_FAILURES,
      maxFailuresPerAddress: env.MQTT_LOGIN_MAX_FAILURES_PER_ADDRESS,
      windowMs: env.MQTT_LOGIN_WINDOW_S * 1000,
      lockoutMs: env.MQTT_LOGIN_LOCKOUT_S * 1000,
      maxLockoutMs: Math.max(env.MQTT_LOGIN_LOCKOUT_S, env.MQTT_LOGIN_MAX_LOCKOUT_S) * 1000,
    },
    sensorRate: env.MQTT_SENSOR_MSGS_PER_S > 0 ? { perSecond: env.MQTT_SENSOR_MSGS_PER_S, burst: env.MQTT_SENSOR_BURST } : null,
    maxConnectionsPerAddress: env.MQTT_MAX_CONNECTIONS_PER_ADDRESS,
  };
}

/** The parts a role runs; `all` runs every one. */
export type Role = 'all' | 'broker' | 'ingest' | 'api' | 'push';

/**
 * Credentials the running role uses whose password is the demo password: the lots file's hashes
 * for a broker (the only part that checks them), the part's own MQTT password for ingest and the
 * API. Another role's variables are none of this part's business (a split deployment sets each
 * part's own only).
 */
export async function demoCredentials(config: Config, role: Role = 'all'): Promise<string[]> {
  const { lots, env } = config;
  const runs = (part: Exclude<Role, 'all'>) => role === 'all' || role === part;
  const hashes = runs('broker')
    ? [
        ...lots.lots.flatMap((l) => l.sensors.map((s) => [s.id, s.passwordHash] as const)),
        ...lots.accounts.map((a) => [a.username, a.passwordHash] as const),
      ]
    : [];
  const checks = await Promise.all(hashes.map(async ([name, hash]) => ((await verifyPassword(DEMO_PASSWORD, hash)) ? name : null)));
  const names = checks.filter((n): n is string => n !== null);
  if (runs('ingest') && env.INGEST_MQTT_PASSWORD === DEMO_PASSWORD) names.push('INGEST_MQTT_PASSWORD');
  if (runs('api') && env.API_MQTT_PASSWORD === DEMO_PASSWORD) names.push('API_MQTT_PASSWORD');
  if (runs('push') && env.NGSI_PUSH_URL && env.PUSH_MQTT_PASSWORD === DEMO_PASSWORD) names.push('PUSH_MQTT_PASSWORD');
  return [...new Set(names)];
}

/**
 * The API's operator sign-in and abuse limits from the environment (issue 12), with the checks that
 * span variables.
 */
export function apiSecurityOf(env: Env): Pick<ApiOptions, 'adminOidc' | 'trustProxy' | 'rateLimit' | 'upgradeLimits' | 'headersTimeoutMs' | 'requestTimeoutMs' | 'handlerTimeoutMs'> {
  if (Boolean(env.ADMIN_OIDC_ISSUER) !== Boolean(env.ADMIN_OIDC_AUDIENCE)) {
    throw new ConfigError('invalid environment: set ADMIN_OIDC_ISSUER and ADMIN_OIDC_AUDIENCE together (the provider, and the audience its tokens for manku carry)');
  }
  if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('invalid environment: HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  }
  return {
    adminOidc:
      env.ADMIN_OIDC_ISSUER && env.ADMIN_OIDC_AUDIENCE
        ? {
            issuer: env.ADMIN_OIDC_ISSUER,
            audience: env.ADMIN_OIDC_AUDIENCE,
            roleClaim: env.ADMIN_OIDC_ROLE_CLAIM,
            role: env.ADMIN_OIDC_ROLE,
            clockToleranceS: env.ADMIN_OIDC_CLOCK_TOLERANCE_S,
            jwksCooldownMs: env.ADMIN_OIDC_JWKS_COOLDOWN_S * 1000,
          }
        : undefined,
    trustProxy: env.TRUST_PROXY,
    rateLimit: { perSecond: env.HTTP_RATE_LIMIT_PER_S, burst: env.HTTP_RATE_LIMIT_BURST, maxAddresses: env.RATE_LIMIT_MAX_ADDRESSES },
    upgradeLimits: {
      perSecond: env.WS_UPGRADES_PER_S,
      burst: env.WS_UPGRADE_BURST,
      perAddressPerSecond: env.WS_UPGRADES_PER_ADDRESS_PER_S,
      burstPerAddress: env.WS_UPGRADE_BURST_PER_ADDRESS,
      maxAddresses: env.RATE_LIMIT_MAX_ADDRESSES,
    },
    headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
    handlerTimeoutMs: env.HTTP_HANDLER_TIMEOUT_MS,
  };
}

/** Ingest's partition (INGEST_PARTITION) and its MQTT client id: a partition's default id names it (`manku-ingest-2of4`). */
export function ingestPartitionOf(env: Pick<Env, 'INGEST_PARTITION' | 'INGEST_CLIENT_ID'>): { partition: Partition; clientId: string } {
  const partition = env.INGEST_PARTITION ?? WHOLE;
  const clientId = env.INGEST_CLIENT_ID ?? (partition.count > 1 ? `manku-ingest-${partition.index}of${partition.count}` : 'manku-ingest');
  return { partition, clientId };
}
