#!/usr/bin/env -S npx tsx
/**
 * The composition root: the only place that wires concrete parts together.
 *
 *   manku [all]          broker + ingest + API in one process (the default; `npm start`)
 *   manku broker         the MQTT broker alone
 *   manku ingest         ingest alone (needs a broker at MQTT_URL)
 *   manku api            the API alone (needs a broker at MQTT_URL); API_WORKERS=n runs n on one port
 *   manku push           the NGSI push to the city's broker alone (NGSI_PUSH_URL; needs a broker at MQTT_URL)
 *   manku ngsi registration --endpoint URL   print the NGSI-LD context source registration
 *   manku hash-password [--format scrypt|mosquitto|bcrypt]  print a hash for the lots file (password on stdin or as argument)
 *   manku broker-config mosquitto|nats --out DIR   write an external broker's config from the lots file (docs/deployment.md)
 *   manku import-history --csv FILE [--lots FILE]   load past occupancy into the store (docs/operations.md)
 *   manku reset-sensor LOT SENSOR   forget a sensor's reference, through the running API (ADMIN_BEARER or ADMIN_TOKEN, API_URL)
 */
import cluster from 'node:cluster';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { createBroker, hashPasswordAs } from '../broker/index.js';
import { HASH_FORMATS, type HashFormat } from '../core/index.js';
import { brokerConfigCommand } from './broker-config.js';
import { createIngest } from '../ingest/index.js';
import { createPush } from '../push/index.js';
import {
  createEmbeddedNudgeStore,
  createEmbeddedStore,
  createInfluxNudgeStore,
  createInfluxHistory,
  createInfluxStore,
  embeddedHistory,
  type EmbeddedStore,
  type HistorySource,
  type OccupancyStore,
} from '../storage/index.js';
import { resetSensorCommand } from './admin.js';
import { reportWorkerReady, superviseApiWorkers } from './api-workers.js';
import { ngsiCommand } from './ngsi.js';
import { importHistoryCommand } from './import-history.js';
import { createLogger } from './logger.js';
import { apiSecurityOf, brokerLimitsOf, ConfigError, demoCredentials, ingestPartitionOf, loadConfig, loadEnv, type Config, type Role } from './config.js';

type Part = { start(): Promise<unknown>; stop(): Promise<void>; reloadTls?(): boolean };
const ROLES: readonly Role[] = ['all', 'broker', 'ingest', 'api', 'push'];

/** Where the API reads history: InfluxDB when configured, else the embedded store of an ingest in this process. */
function historyFor(config: Config, embedded: EmbeddedStore | null): HistorySource | null {
  if (config.env.INFLUX_URL) return createInfluxHistory({ url: config.env.INFLUX_URL, requestTimeoutMs: config.env.INFLUX_TIMEOUT_MS });
  if (embedded) return embeddedHistory(embedded);
  return null;
}

/** Ingest's store: InfluxDB when INFLUX_URL is set, else the embedded store (which the API can read too). */
function createStore(config: Config, logger: Logger): { store: OccupancyStore; embedded: EmbeddedStore | null } {
  const { env } = config;
  if (env.INFLUX_URL) {
    const store = createInfluxStore({
      url: env.INFLUX_URL,
      logger,
      maxBuffered: env.INFLUX_BUFFER_POINTS,
      batchSize: env.INFLUX_BATCH_POINTS,
      flushIntervalMs: env.INFLUX_FLUSH_MS,
      requestTimeoutMs: env.INFLUX_TIMEOUT_MS,
      stopTimeoutMs: env.STORE_STOP_TIMEOUT_MS,
    });
    return { store, embedded: null };
  }
  const embedded = createEmbeddedStore({ dataDir: resolve(env.DATA_DIR), historyLimit: env.EMBEDDED_HISTORY_POINTS, logger });
  return { store: embedded, embedded };
}

function createBrokerPart({ env, lots, brokerTls }: Config, logger: Logger) {
  const port = env.MQTT_PORT === 'off' ? null : env.MQTT_PORT;
  return createBroker({ lots, host: env.MQTT_HOST, port, tls: brokerTls, logger, connectTimeoutMs: env.MQTT_CONNECT_TIMEOUT_MS, id: env.BROKER_ID, limits: brokerLimitsOf(env) });
}

function createIngestPart({ env, lots, mqttTls }: Config, mqttUrl: string, store: OccupancyStore, logger: Logger) {
  return createIngest({
    lots,
    store,
    mqttUrl,
    mqttTls,
    username: env.INGEST_MQTT_USERNAME,
    password: env.INGEST_MQTT_PASSWORD,
    ...ingestPartitionOf(env),
    skewToleranceMs: env.CLOCK_SKEW_TOLERANCE_S * 1000,
    gateIntervalMs: env.GATE_STATE_INTERVAL_MS,
    statusLotIntervalMs: env.STATUS_MIN_INTERVAL_MS,
    logger,
  });
}

/** The HTTP stack (hono, OpenAPI, esbuild...) loads only here: a broker, ingest or push process, an API primary and the CLI commands start without it. */
async function createApiPart(config: Config, mqttUrl: string, embedded: EmbeddedStore | null, logger: Logger) {
  const { env, lots } = config;
  const { createApi } = await import('../api/index.js');
  return createApi({
    lots,
    mqttUrl,
    mqttTls: config.mqttTls,
    tls: config.apiTls,
    username: env.API_MQTT_USERNAME,
    password: env.API_MQTT_PASSWORD,
    host: env.HOST,
    port: env.PORT,
    adminToken: env.ADMIN_TOKEN,
    metricsToken: env.METRICS_TOKEN,
    metricsAcrossWorkers: cluster.isWorker,
    allowedOrigins: env.ALLOWED_ORIGINS,
    history: historyFor(config, embedded),
    pingIntervalMs: env.WS_PING_INTERVAL_MS,
    maxBufferedBytes: env.WS_MAX_BUFFERED_BYTES,
    drainTimeoutMs: env.WS_DRAIN_TIMEOUT_MS,
    maxClientsPerAddress: env.WS_MAX_CLIENTS_PER_ADDRESS,
    frameAncestors: env.FRAME_ANCESTORS,
    ngsiLanguage: env.NGSI_LANGUAGE,
    forecastRefreshMs: env.FORECAST_REFRESH_S * 1000,
    metricsMaxGates: env.METRICS_MAX_GATES,
    nudgeStore: env.INFLUX_URL
      ? createInfluxNudgeStore({ url: env.INFLUX_URL, requestTimeoutMs: env.INFLUX_TIMEOUT_MS })
      : createEmbeddedNudgeStore({ dataDir: resolve(env.DATA_DIR) }),
    ...apiSecurityOf(env),
    logger,
  });
}

/** The NGSI push (docs/city-platform.md); null when NGSI_PUSH_URL is not set. */
function createPushPart({ env, lots, mqttTls }: Config, mqttUrl: string, logger: Logger) {
  if (!env.NGSI_PUSH_URL) return null;
  return createPush({
    lots,
    target: { url: env.NGSI_PUSH_URL, flavor: env.NGSI_FLAVOR, tenant: env.NGSI_TENANT, servicePath: env.NGSI_SERVICE_PATH, token: env.NGSI_TOKEN },
    timeoutMs: env.NGSI_TIMEOUT_MS,
    language: env.NGSI_LANGUAGE,
    mqttUrl,
    mqttTls,
    username: env.PUSH_MQTT_USERNAME,
    password: env.PUSH_MQTT_PASSWORD,
    clientId: env.PUSH_CLIENT_ID,
    logger,
  });
}

/** `--format F` anywhere in the arguments (default scrypt), and the arguments left. */
function hashFormatArg(args: string[]): { format: HashFormat; rest: string[] } {
  const at = args.indexOf('--format');
  if (at < 0) return { format: 'scrypt', rest: args };
  const format = args[at + 1] as HashFormat;
  if (!HASH_FORMATS.includes(format)) throw new ConfigError(`--format must be one of ${HASH_FORMATS.join(', ')}, not "${args[at + 1] ?? ''}"`);
  return { format, rest: args.filter((_, i) => i !== at && i !== at + 1) };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function run(role: Role) {
  const config = loadConfig();
  if (role === 'all' || role === 'api') apiSecurityOf(config.env); // its checks across variables, before any part starts
  const logger = createLogger(config.env, { role, ...(cluster.isWorker ? { worker: cluster.worker!.id } : {}) });
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
  // Other roles ignore API_WORKERS (one env file may serve every part); `all` cannot fork its broker and ingest.
  if (config.env.API_WORKERS > 1 && role === 'all') throw new ConfigError(`API_WORKERS=${config.env.API_WORKERS} needs \`manku api\` (run the broker and ingest as their own processes; docs/deployment.md)`);
  if (config.env.API_WORKERS > 1 && role === 'api' && cluster.isPrimary) {
    // A scrape that reaches one worker gets every ready worker's metrics (api/cluster-metrics.ts).
    const { serveClusterMetrics } = await import('../api/cluster-metrics.js');
    await superviseApiWorkers({ count: config.env.API_WORKERS, logger, onReadyWorkers: serveClusterMetrics });
    logger.info({ workers: config.env.API_WORKERS }, 'manku ready');
    return;
  }
  const runs = (part: Exclude<Role, 'all'>) => role === 'all' || role === part;
  const parts: Part[] = [];
  let stopping = false;
  const stopAll = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    for (const part of parts.reverse()) await part.stop().catch((err) => logger.error({ err: (err as Error).message }, 'stop failed'));
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stopAll('SIGINT'));
  process.on('SIGTERM', () => void stopAll('SIGTERM'));
  // Renewed certificates: re-read by every TLS listener; open connections stay, a bad file keeps the old one.
  process.on('SIGHUP', () => {
    logger.info({ signal: 'SIGHUP' }, 'reloading TLS certificates');
    for (const part of parts) part.reloadTls?.();
  });
  /**
   * Listed before it starts, so a signal during a long start (ingest waiting for InfluxDB) stops
   * it too; a start that fails because we are stopping leaves the exit to stopAll.
   */
  const start = <P extends Part>(part: P): ReturnType<P['start']> => {
    parts.push(part);
    return part.start().catch((err: unknown) => (stopping ? new Promise(() => {}) : Promise.reject(err))) as ReturnType<P['start']>;
  };

  let mqttUrl = config.mqttUrl;
  if (runs('broker')) {
    const { port, tlsPort } = await start(createBrokerPart(config, logger));
    // In `all` mode ingest and the API reach this broker on its real port (MQTT_PORT=0 picks a free
    // one): the plain port, or the TLS port when the plain one is off (bin/tls-config.ts).
    if (role === 'all' && !config.env.MQTT_URL) mqttUrl = mqttUrl.replace(/:\d+$/, `:${port ?? tlsPort}`);
  }
  const { store, embedded } = runs('ingest') ? createStore(config, logger) : { store: null, embedded: null };
  // The API before ingest: it answers /healthz, and /readyz with the reason, while ingest waits for
  // its store. Sensors are refused by the broker until ingest has subscribed, so nothing is lost.
  if (runs('api') && !stopping) await start(await createApiPart(config, mqttUrl, embedded, logger));
  if (store && !stopping) await start(createIngestPart(config, mqttUrl, store, logger));
  const push = runs('push') ? createPushPart(config, mqttUrl, logger) : null;
  if (role === 'push' && !push) throw new ConfigError('manku push needs NGSI_PUSH_URL (the city broker\'s base URL; docs/city-platform.md)');
  if (push && !stopping) await start(push);
  if (stopping) return;
  if (cluster.isWorker) reportWorkerReady(); // the primary says 'manku ready' once every worker is
  else logger.info('manku ready');
}

async function main(argv: string[]) {
  const [command = 'all', ...args] = argv;
  if (command === 'hash-password') {
    const { format, rest } = hashFormatArg(args);
    const password = rest[0] ?? (await readStdin());
    if (!password) throw new ConfigError('usage: manku hash-password [--format scrypt|mosquitto|bcrypt] [password]   (or pipe the password on stdin)');
    process.stdout.write(`${await hashPasswordAs(format, password)}\n`);
    return;
  }
  if (command === 'broker-config') {
    for (const file of brokerConfigCommand(args)) process.stdout.write(`wrote ${file}\n`);
    return;
  }
  if (command === 'reset-sensor') {
    process.stdout.write(`${JSON.stringify(await resetSensorCommand(loadEnv(), args))}\n`);
    return;
  }
  if (command === 'import-history') {
    await importHistoryCommand(args);
    return;
  }
  if (command === 'ngsi') {
    process.stdout.write(ngsiCommand(args));
    return;
  }
  if (command === '--help' || command === 'help') {
    process.stdout.write(`usage: manku [${ROLES.join('|')}|hash-password [--format scrypt|mosquitto|bcrypt]|broker-config mosquitto|nats --out DIR|reset-sensor LOT SENSOR|import-history --csv FILE|ngsi registration --endpoint URL]\n`);
    return;
  }
  if (!(ROLES as readonly string[]).includes(command)) throw new ConfigError(`unknown command "${command}"; use one of: ${ROLES.join(', ')}, hash-password, broker-config, reset-sensor, import-history, ngsi`);
  await run(command as Role);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : (err as Error).stack ?? String(err);
  process.stderr.write(`manku: ${message}\n`);
  process.exit(1);
});
