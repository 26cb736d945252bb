#!/usr/bin/env -S npx tsx
/**
 * The composition root: the only place that wires concrete parts together.
 *
 *   manku [all]          broker + ingest + API in one process (the default; `npm start`)
 *   manku broker         the MQTT broker alone
 *   manku ingest         ingest alone (needs a broker at MQTT_URL)
 *   manku api            the API alone (needs a broker at MQTT_URL)
 *   manku hash-password  print an scrypt hash for the lots file (password on stdin or as argument)
 */
import { resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { createApi, createInfluxHistory } from '../api/index.js';
import { createBroker, hashPassword } from '../broker/index.js';
import type { HistorySource, OccupancyStore } from '../core/index.js';
import { createEmbeddedStore, createInfluxStore, createIngest, type EmbeddedStore } from '../ingest/index.js';
import { ConfigError, demoCredentials, loadConfig, type Config, type Role } from './config.js';

type Part = { start(): Promise<unknown>; stop(): Promise<void> };
const ROLES: readonly Role[] = ['all', 'broker', 'ingest', 'api'];

/** Where the API reads history: InfluxDB when configured, else the embedded store of an ingest in this process. */
function historyFor(config: Config, embedded: EmbeddedStore | null): HistorySource | null {
  if (config.env.INFLUX_URL) return createInfluxHistory({ url: config.env.INFLUX_URL, requestTimeoutMs: config.env.INFLUX_TIMEOUT_MS });
  if (embedded) return { kind: 'embedded', history: async (...args) => embedded.history(...args) };
  return null;
}

function createStore(config: Config, logger: Logger): OccupancyStore {
  const { env } = config;
  if (env.INFLUX_URL) {
    return createInfluxStore({
      url: env.INFLUX_URL,
      logger,
      maxBuffered: env.INFLUX_BUFFER_POINTS,
      batchSize: env.INFLUX_BATCH_POINTS,
      flushIntervalMs: env.INFLUX_FLUSH_MS,
      requestTimeoutMs: env.INFLUX_TIMEOUT_MS,
      stopTimeoutMs: env.STORE_STOP_TIMEOUT_MS,
    });
  }
  return createEmbeddedStore({ dataDir: resolve(env.DATA_DIR), historyLimit: env.EMBEDDED_HISTORY_POINTS, logger });
}

/** Parts in start order. Each gets the config as it stands when its turn comes: in `all` mode
 * ingest and the API learn the broker's real port (MQTT_PORT=0 picks a free one). */
function partsFor(role: Role, logger: Logger): Array<(c: Config) => Part> {
  const parts: Array<(c: Config) => Part> = [];
  let embedded: EmbeddedStore | null = null;
  if (role === 'all' || role === 'broker') {
    parts.push(({ env, lots }) =>
      createBroker({ lots, host: env.MQTT_HOST, port: env.MQTT_PORT, logger, connectTimeoutMs: env.MQTT_CONNECT_TIMEOUT_MS, id: env.BROKER_ID }),
    );
  }
  if (role === 'all' || role === 'ingest') {
    parts.push((c) =>
      createIngest({
        lots: c.lots,
        store: (() => {
          const store = createStore(c, logger);
          if (store.kind === 'embedded') embedded = store as EmbeddedStore;
          return store;
        })(),
        mqttUrl: c.mqttUrl,
        username: c.env.INGEST_MQTT_USERNAME,
        password: c.env.INGEST_MQTT_PASSWORD,
        clientId: c.env.INGEST_CLIENT_ID,
        skewToleranceMs: c.env.CLOCK_SKEW_TOLERANCE_S * 1000,
        logger,
      }),
    );
  }
  if (role === 'all' || role === 'api') {
    parts.push((c) =>
      createApi({
        lots: c.lots,
        mqttUrl: c.mqttUrl,
        username: c.env.API_MQTT_USERNAME,
        password: c.env.API_MQTT_PASSWORD,
        host: c.env.HOST,
        port: c.env.PORT,
        adminToken: c.env.ADMIN_TOKEN,
        metricsToken: c.env.METRICS_TOKEN,
        allowedOrigins: c.env.ALLOWED_ORIGINS,
        history: historyFor(c, embedded),
        pingIntervalMs: c.env.WS_PING_INTERVAL_MS,
        maxBufferedBytes: c.env.WS_MAX_BUFFERED_BYTES,
        drainTimeoutMs: c.env.WS_DRAIN_TIMEOUT_MS,
        maxClientsPerAddress: c.env.WS_MAX_CLIENTS_PER_ADDRESS,
        frameAncestors: c.env.FRAME_ANCESTORS,
        logger,
      }),
    );
  }
  return parts;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function run(role: Role) {
  const config = loadConfig();
  const logger = pino({ level: config.env.LOG_LEVEL, base: { role } });
  logger.info({ lotsFile: config.lotsFile, lots: config.lots.lots.map((l) => l.id) }, 'manku starting');
  const demo = await demoCredentials(config, role);
  if (demo.length > 0) {
    if (config.env.NODE_ENV === 'production') {
      throw new ConfigError(
        `refusing to start with demo credentials in production (${demo.join(', ')}): ` +
          'set LOTS_FILE to your own lots file with hashes from `npm run manku -- hash-password`, and set the *_MQTT_PASSWORD variables',
      );
    }
    logger.warn({ accounts: demo }, '!!! DEMO CREDENTIALS ACTIVE (password "demo"): anyone can publish counts. Never use them outside a demo. !!!');
  }
  const parts = partsFor(role, logger);
  const started: Part[] = [];
  let stopping = false;
  const stopAll = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    for (const part of started.reverse()) await part.stop().catch((err) => logger.error({ err: (err as Error).message }, 'stop failed'));
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stopAll('SIGINT'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));
  let current = config;
  for (const make of parts) {
    const part = make(current);
    const address = await part.start();
    started.push(part);
    if (stopping) return;
    if (make === parts[0] && role === 'all' && !config.env.MQTT_URL) {
      const { port } = address as { port: number };
      current = { ...config, mqttUrl: config.mqttUrl.replace(/:\d+$/, `:${port}`) };
    }
  }
  logger.info('manku ready');
}

async function main(argv: string[]) {
  const [command = 'all', ...args] = argv;
  if (command === 'hash-password') {
    const password = args[0] ?? (await readStdin());
    if (!password) throw new ConfigError('usage: manku hash-password [password]   (or pipe the password on stdin)');
    process.stdout.write(`${await hashPassword(password)}\n`);
    return;
  }
  if (command === '--help' || command === 'help') {
    process.stdout.write(`usage: manku [${ROLES.join('|')}|hash-password]\n`);
    return;
  }
  if (!(ROLES as readonly string[]).includes(command)) throw new ConfigError(`unknown command "${command}"; use one of: ${ROLES.join(', ')}, hash-password`);
  await run(command as Role);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : (err as Error).stack ?? String(err);
  process.stderr.write(`manku: ${message}\n`);
  process.exit(1);
});
