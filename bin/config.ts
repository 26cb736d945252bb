/**
 * Configuration: environment variables and the lots file, validated at start-up.
 * Every variable is listed in docs/configuration.md.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LotsFile } from '../core/index.js';
import { Id } from '../protocol/index.js';
import { verifyPassword, type BrokerLimits } from '../broker/index.js';
import { InfluxUrl } from '../storage/index.js';

export const DEMO_LOTS_FILE = fileURLToPath(new URL('../config/demo-lots.json', import.meta.url));
export const DEMO_PASSWORD = 'demo';

const port = z.coerce.number().int().min(0).max(65535);
const positive = z.coerce.number().int().positive();

export const Env = z.object({
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** json: one JSON object per line; pretty: for people. Unset: pretty on a terminal, else json. */
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  LOTS_FILE: z.string().min(1).optional(),
  MQTT_HOST: z.string().min(1).default('127.0.0.1'),
  MQTT_PORT: port.default(1883),
  MQTT_URL: z.url({ protocol: /^mqtts?$/ }).optional(),
  MQTT_CONNECT_TIMEOUT_MS: positive.default(10_000),
  BROKER_ID: Id.default('manku-broker'),
  // Broker abuse limits (broker/limits.ts, docs/operations.md).
  MQTT_MAX_PACKET_BYTES: positive.min(1024).default(4096),
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
  INGEST_CLIENT_ID: z.string().min(1).max(23).default('manku-ingest'),
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
  FRAME_ANCESTORS: z.string().min(1).optional(),
  /** Where admin CLI commands reach the API (default http://HOST:PORT). */
  API_URL: z.url({ protocol: /^https?$/ }).optional(),
});
export type Env = z.infer<typeof Env>;

export interface Config {
  env: Env;
  lotsFile: string;
  lots: LotsFile;
  /** The URL ingest and the API use to reach the broker. */
  mqttUrl: string;
}

export class ConfigError extends Error {}

/** One issue on the title's line (`invalid environment: PORT: ...`), several as a list below it. */
function describe(title: string, error: z.ZodError) {
  const issues = error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
  return issues.length === 1 ? `${title}: ${issues[0]}` : `${title}:\n${issues.map((i) => `  ${i}`).join('\n')}`;
}

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const blanksDropped = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const parsed = Env.safeParse(blanksDropped);
  if (!parsed.success) throw new ConfigError(describe('invalid environment', parsed.error));
  return parsed.data;
}

export function loadLotsFile(path: string): LotsFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`cannot read lots file ${path}: ${(err as Error).message}`);
  }
  const parsed = LotsFile.safeParse(json);
  if (!parsed.success) throw new ConfigError(describe(`invalid lots file ${path}`, parsed.error));
  return parsed.data;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const env = loadEnv(source);
  const lotsFile = env.LOTS_FILE ?? DEMO_LOTS_FILE;
  const host = env.MQTT_HOST.includes(':') ? `[${env.MQTT_HOST}]` : env.MQTT_HOST;
  return { env, lotsFile, lots: loadLotsFile(lotsFile), mqttUrl: env.MQTT_URL ?? `mqtt://${host}:${env.MQTT_PORT}` };
}

/** The broker's abuse limits from the environment; a rate or cap of 0 turns it off. */
export function brokerLimitsOf(env: Env): BrokerLimits {
  return {
    maxPacketBytes: env.MQTT_MAX_PACKET_BYTES,
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
export type Role = 'all' | 'broker' | 'ingest' | 'api';

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
  return [...new Set(names)];
}
