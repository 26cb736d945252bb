/**
 * The API process part: one broker link (status, calibration results, ingest and broker health), the status
 * feed, the live WebSocket hub, and the Hono app on @hono/node-server with a `ws` server for
 * upgrades on the same port; HTTPS and WSS on that port when given a certificate.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { MAX_LIVE_CLIENT_FRAME } from '../protocol/index.js';
import { systemClock, type Clock, type LotsFile } from '../core/index.js';
import type { HistorySource } from '../storage/index.js';
import { readTlsCredentials, reloadTlsCredentials, type MqttTlsOptions, type TlsFiles } from '../transport/index.js';
import { createApp } from './app.js';
import { createBrokerHealthBoard } from './broker-health.js';
import { createBrokerLink } from './broker-link.js';
import { createCalibrator } from './calibration.js';
import { createIngestHealthBoard } from './ingest-health.js';
import { createPushHealthBoard } from './push-health.js';
import { createLiveHub, type LiveHub } from './live-hub.js';
import { attachLiveUpgrade } from './live-upgrade.js';
import { clusterMetricsText } from './cluster-metrics.js';
import { createMetrics } from './metrics.js';
import { createStatusFeed } from './status-feed.js';
import { createForecastFeed } from './forecast-feed.js';
import { createForecastModels } from './forecast-models.js';
import { createWidgetAssets } from './widget-assets.js';
import { createConsoleAssets } from './console-assets.js';
import { createGateBoard } from './gate-board.js';
import { createClientAddress } from './client-address.js';
import { applyHttpLimits } from './http-limits.js';
import { createOidcVerifier, type OidcOptions } from './oidc-verifier.js';
import type { RateLimitOptions } from './rate-limit.js';
import { createUpgradeLimits, type UpgradeLimitsOptions } from './upgrade-limits.js';
import { createNudgeRecorder } from './nudge-recorder.js';
import type { NudgeStore } from '../storage/index.js';

export interface ApiOptions {
  lots: LotsFile;
  mqttUrl: string;
  username: string;
  password: string;
  /** TLS for the broker link (mqtts:// URLs): CA, server name. */
  mqttTls?: MqttTlsOptions;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  clock?: Clock;
  logger?: Logger;
  /** Enables admin routes (calibration). */
  adminToken?: string;
  /** When set, /metrics needs `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  /** An API_WORKERS worker: /metrics serves every worker's metrics, merged by the primary (cluster-metrics.ts). */
  metricsAcrossWorkers?: boolean;
  allowedOrigins?: readonly string[];
  history?: HistorySource | null;
  pingIntervalMs?: number;
  maxBufferedBytes?: number;
  /** A live client that leaves output unread this long is dropped. */
  drainTimeoutMs?: number;
  /** Live connections one address may hold (0: no limit). */
  maxClientsPerAddress?: number;
  /** How often statuses are re-evaluated against the clock (staleness) for live clients. */
  tickMs?: number;
  calibrationTimeoutMs?: number;
  frameAncestors?: string;
  /** Serve https:// and wss:// with this certificate (reloaded by reloadTls). */
  tls?: Pick<TlsFiles, 'certFile' | 'keyFile'>;
  /** NGSI_LANGUAGE: the language of NGSI-LD names and addresses. */
  ngsiLanguage?: 'ja' | 'en';
  /** Operators sign in with the city's OpenID Connect provider (admin routes accept its access tokens). */
  adminOidc?: OidcOptions;
  /** Reverse proxies (addresses, CIDR ranges) whose X-Forwarded-For names the client; none: the TCP peer is the client. */
  trustProxy?: readonly string[];
  /** REST requests per address; perSecond 0: off. */
  rateLimit?: Pick<RateLimitOptions, 'perSecond' | 'burst' | 'maxAddresses'>;
  /** WebSocket upgrades per second, per address and in all. */
  upgradeLimits?: UpgradeLimitsOptions;
  /** Slow clients: headers, and the whole request, must arrive within these (Node answers 408). */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** A handler that has not answered by then gets 503 (0: no limit). */
  handlerTimeoutMs?: number;
  /** How often each lot's forecast model is retrained from the stored history (FORECAST_REFRESH_S). */
  forecastRefreshMs?: number;
  /** Where nudge counts go (docs/nudge.md); none: the nudge routes are not served. */
  nudgeStore?: NudgeStore | null;
  /** How often counted nudge events are written to nudgeStore. */
  nudgeFlushMs?: number;
  /** How often a lot without a forecast model is tried again (default a minute). */
  forecastColdRetryMs?: number;
  /** Gates with per-gate metric series (METRICS_MAX_GATES). */
  metricsMaxGates?: number;
}

export interface Api {
  start(): Promise<{ host: string; port: number }>;
  stop(): Promise<void>;
  readonly hub: LiveHub;
  /** Re-reads the TLS files (SIGHUP); open connections stay. False without TLS or when the new files are bad (logged, old kept). */
  reloadTls(): boolean;
  /** Retrains every lot's forecast model now from the stored history, as the schedule does (tests, benchmarks on virtual time). */
  refreshForecasts(): Promise<void>;
}

export function createApi({
  lots,
  mqttUrl,
  username,
  password,
  host = '127.0.0.1',
  port = 8080,
  clock = systemClock,
  logger = pino({ level: 'silent' }),
  adminToken,
  metricsToken,
  metricsAcrossWorkers = false,
  allowedOrigins = ['*'],
  history = null,
  pingIntervalMs = 30_000,
  maxBufferedBytes = 1 << 20,
  drainTimeoutMs = 15_000,
  maxClientsPerAddress = 100,
  tickMs = 1000,
  calibrationTimeoutMs = 5000,
  frameAncestors,
  mqttTls,
  tls,
  ngsiLanguage,
  adminOidc,
  trustProxy = [],
  rateLimit = { perSecond: 50, burst: 500, maxAddresses: 50_000 },
  upgradeLimits = {},
  headersTimeoutMs = 20_000,
  requestTimeoutMs = 30_000,
  handlerTimeoutMs = 20_000,
  forecastRefreshMs = 3_600_000,
  nudgeStore = null,
  nudgeFlushMs = 10_000,
  forecastColdRetryMs = 60_000,
  metricsMaxGates = 1000,
}: ApiOptions): Api {
  const log = logger.child({ component: 'api' });
  const clientAddress = createClientAddress(trustProxy);
  const oidc = adminOidc ? createOidcVerifier({ ...adminOidc, now: adminOidc.now ?? (() => clock.now()) }) : null;
  const upgrades = createUpgradeLimits(upgradeLimits);
  const statuses = createStatusFeed({ lots, clock, logger });
  // Every status served carries its forecast: the hub, routes and metrics read this feed.
  const models = createForecastModels({ lots: lots.lots, history, clock, refreshMs: forecastRefreshMs, coldRetryMs: forecastColdRetryMs, logger });
  const feed = createForecastFeed({ feed: statuses, models, clock });
  const board = createIngestHealthBoard({ clock });
  const brokers = createBrokerHealthBoard();
  const link = createBrokerLink({ mqttUrl, username, password, logger, tls: mqttTls });
  const calibrator = createCalibrator({ publish: link.publish, timeoutMs: calibrationTimeoutMs, clock });
  link.on('status', statuses.onMessage);
  link.on('calibrationResult', calibrator.onResult);
  link.on('health', board.onMessage);
  link.on('brokerHealth', brokers.onMessage);
  const pushes = createPushHealthBoard({ clock });
  link.on('pushHealth', pushes.onMessage);
  const hub = createLiveHub({ feed, pingIntervalMs, maxBufferedBytes, drainTimeoutMs, maxClientsPerAddress, logger });
  const gates = createGateBoard({ lots, clock, logger });
  link.on('gates', gates.onMessage);
  const consoleAssets = createConsoleAssets();
  const metrics = createMetrics({
    board, brokers, hub, feed, pushes, forecasts: models,
    gates: { board: gates, maxGates: metricsMaxGates, logger },
    ...(metricsAcrossWorkers ? { gather: clusterMetricsText } : {}),
  });
  hub.onFanout(metrics.observeFanout);
  const widget = createWidgetAssets();
  const nudges = nudgeStore ? createNudgeRecorder({ store: nudgeStore, clock, flushMs: nudgeFlushMs, logger }) : null;
  const app = createApp({
    feed,
    brokerConnected: () => link.connected,
    board,
    history,
    calibrator,
    metrics,
    adminToken,
    sensorsOf: (lotId) => lots.lots.find((l) => l.id === lotId)?.sensors.map((s) => s.id) ?? [],
    metricsToken,
    clock,
    logger: log,
    widget,
    frameAncestors,
    lots: lots.lots,
    ngsiLanguage,
    pushes,
    adminOidc: oidc,
    rateLimit,
    handlerTimeoutMs,
    clientAddress,
    forecasts: feed,
    models,
    gates,
    console: consoleAssets,
    nudges,
    allowedOrigins,
  });
  let server: ServerType | null = null;
  let wss: WebSocketServer | null = null;
  let ticker: NodeJS.Timeout | null = null;

  return {
    hub,
    async start() {
      await nudgeStore?.start();
      nudges?.start();
      const built = await widget.start();
      log.info({ bytes: built.bytes, gzipBytes: built.gzipBytes }, 'widget.js built');
      await link.start();
      feed.start();
      models.start();
      hub.start();
      ticker = setInterval(feed.tick, tickMs);
      ticker.unref();
      const ws = new WebSocketServer({ noServer: true, maxPayload: MAX_LIVE_CLIENT_FRAME });
      wss = ws;
      const credentials = tls ? readTlsCredentials(tls) : null;
      const https = credentials ? { createServer: createHttpsServer, serverOptions: credentials.options } : {};
      const address = await new Promise<AddressInfo>((resolve, reject) => {
        const s = serve({ fetch: app.fetch, hostname: host, port, ...https }, (info) => resolve(info));
        s.once('error', reject);
        applyHttpLimits(s as Server, { headersTimeoutMs, requestTimeoutMs, onTimeout: () => metrics.timedOut('request') });
        attachLiveUpgrade(s as Server, {
          wss: ws,
          hub,
          allowedOrigins,
          logger,
          addressOf: (req) => clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'] as string | undefined),
          limits: upgrades,
          now: () => performance.now(),
          onLimited: metrics.rateLimited,
        });
        server = s;
      });
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const scheme = credentials ? 'https' : 'http';
      log.info({ url: `${scheme}://${shown}:${address.port}`, history: history?.kind ?? 'none', admin: Boolean(adminToken), adminOidc: adminOidc?.issuer ?? null, ...credentials?.certificate }, 'API listening');
      // Not awaited: the API serves its public routes whether or not the provider answers.
      void oidc?.discover().then((error) =>
        error ? log.warn({ issuer: adminOidc!.issuer, error }, 'OpenID Connect provider unreachable: admin tokens from it get 503 until it answers') : log.info({ issuer: adminOidc!.issuer }, 'OpenID Connect provider discovered'),
      );
      return { host: address.address, port: address.port };
    },
    async stop() {
      if (ticker) clearInterval(ticker);
      hub.stop();
      feed.stop();
      await models.stop();
      await nudges?.stop();
      wss?.close();
      wss = null;
      const s = server;
      server = null;
      if (s) {
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          (s as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
      }
      await link.stop();
      log.info('API stopped');
    },
    reloadTls: () => (server && tls ? reloadTlsCredentials(server as HttpsServer, tls, log, 'api') : false),
    refreshForecasts: () => models.refreshAll(),
  };
}
