/** The HTTP API (Hono + OpenAPI): routes, middleware, error shape, the OpenAPI document. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { compress } from 'hono/compress';
import { cors } from 'hono/cors';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import pino, { type Logger } from 'pino';
import { systemClock, type Clock } from '../core/index.js';
import type { HistorySource } from '../storage/index.js';
import { createAdminAuth } from './admin-auth.js';
import type { Calibrator } from './calibration.js';
import { createClientAddress, peerOf } from './client-address.js';
import { handlerTimeout } from './handler-timeout.js';
import type { OidcVerifier } from './oidc-verifier.js';
import { rateLimit, type RateLimitOptions } from './rate-limit.js';
import { errorBody } from './errors.js';
import { createIngestHealthBoard, type IngestHealthBoard } from './ingest-health.js';
import { createMetrics, type Metrics } from './metrics.js';
import { registerDocsPage } from './routes/docs.js';
import { registerPages } from './routes/pages.js';
import type { WidgetAssets } from './widget-assets.js';
import { LIVE_PATH } from './live-upgrade.js';
import { registerLiveRoute } from './routes/live.js';
import { registerLotRoutes } from './routes/lots.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerGeoJsonRoute } from './routes/geojson.js';
import { registerNgsiLdRoutes } from './routes/ngsi-ld.js';
import type { Language, NgsiLot } from '../ngsi/index.js';
import { createPushHealthBoard, type PushHealthBoard } from './push-health.js';
import type { StatusFeed } from './status-feed.js';
import type { ForecastFeed } from './forecast-feed.js';
import type { ForecastModels } from './forecast-models.js';
import { registerForecastRoute } from './routes/forecast.js';
import type { GateBoard } from './gate-board.js';
import { registerGateRoutes } from './routes/gates.js';
import { registerConsolePage } from './routes/console.js';
import { createConsoleAssets, type ConsoleAssets } from './console-assets.js';
import type { NudgeRecorder } from './nudge-recorder.js';
import { registerNudgeMetrics } from './nudge-metrics.js';
import { registerNudgeRoutes } from './routes/nudge.js';
import { registerNudgeSettingsRoute } from './routes/nudge-settings.js';
import type { LotConfig } from '../core/index.js';

export interface AppOptions {
  feed: Pick<StatusFeed, 'get' | 'all' | 'has'>;
  widget?: Pick<WidgetAssets, 'bundle'>;
  frameAncestors?: string;
  brokerConnected?: () => boolean;
  board?: IngestHealthBoard;
  history?: HistorySource | null;
  calibrator?: Calibrator | null;
  metrics?: Metrics;
  adminToken?: string;
  /** The sensors of a lot, for admin routes that name one. */
  sensorsOf?: (lotId: string) => readonly string[];
  /** When set, /metrics needs it as a bearer token. */
  metricsToken?: string;
  clock?: Clock;
  logger?: Logger;
  /** The lots file's lots, for the NGSI-LD and GeoJSON routes (their location, address, ...) and their bus suggestion. */
  lots?: readonly (NgsiLot & Pick<LotConfig, 'nudge'>)[];
  /** NGSI_LANGUAGE: the language of NGSI names and addresses. */
  ngsiLanguage?: Language;
  /** The NGSI push processes' health, for /readyz (degraded) and /metrics. */
  pushes?: PushHealthBoard;
  /** Operators' access tokens from the OpenID Connect provider (beside or instead of adminToken). */
  adminOidc?: Pick<OidcVerifier, 'verify'> | null;
  /** REST requests per address (see rate-limit.ts); perSecond 0: off (the default here; bin/config.ts sets the service's). */
  rateLimit?: Pick<RateLimitOptions, 'perSecond' | 'burst' | 'maxAddresses'>;
  /** A handler that has not answered by then gets 503 (0: no limit). */
  handlerTimeoutMs?: number;
  /** The client's address from the TCP peer and X-Forwarded-For (client-address.ts); default the peer. */
  clientAddress?: (peer: string | undefined, forwardedFor: string | undefined) => string;
  /** Forecasts (api/forecast-feed.ts) and the models behind them; none: /forecast answers 409. */
  forecasts?: Pick<ForecastFeed, 'forecastNow'>;
  models?: Pick<ForecastModels, 'get'>;
  /** Each lot's gates, from ingest (none: GET /api/v1/lots/{lotId}/gates answers 404). */
  gates?: Pick<GateBoard, 'get'>;
  /** The operators' console bundle for /ops (built on first use). */
  console?: Pick<ConsoleAssets, 'bundle'>;
  /** Nudge events and their counts (docs/nudge.md); none: the nudge routes are not served. */
  nudges?: NudgeRecorder | null;
  /** Browser origins allowed to send nudge events (ALLOWED_ORIGINS). */
  allowedOrigins?: readonly string[];
}

export { errorBody } from './errors.js';

export const OPENAPI_INFO = {
  title: 'manku API',
  version: '1.0.0',
  description: 'Live car-park status (空/混/満) from gate sensors: lots, history, calibration, live WebSocket push.',
};

export function createApp({
  feed,
  brokerConnected = () => true,
  board = createIngestHealthBoard(),
  history = null,
  calibrator = null,
  metrics,
  adminToken,
  sensorsOf = () => [],
  metricsToken,
  clock = systemClock,
  logger = pino({ level: 'silent' }),
  widget = { bundle: null },
  frameAncestors,
  lots = [],
  ngsiLanguage = 'ja',
  pushes = createPushHealthBoard(),
  adminOidc = null,
  rateLimit: limit = { perSecond: 0, burst: 1, maxAddresses: 1 },
  handlerTimeoutMs = 0,
  clientAddress = createClientAddress(),
  forecasts = { forecastNow: (lotId) => (feed.has(lotId) ? { ok: false, reason: 'this API process runs no forecast service' } : undefined) },
  models = { get: () => undefined },
  gates = { get: () => null },
  console: consoleAssets = createConsoleAssets(),
  nudges = null,
  allowedOrigins = ['*'],
}: AppOptions) {
  const addressOf = (c: Context) => clientAddress(peerOf(c), c.req.header('x-forwarded-for'));
  const registry = metrics ?? createMetrics({ board, feed, pushes });
  const app = new OpenAPIHono({
    // A request that fails validation gets a 400 that names what to fix.
    defaultHook: (result, c) => {
      if (result.success) return;
      const message = result.error.issues.map((i) => `${result.target} ${i.path.join('.') || ''}: ${i.message}`.replace(/ :/, ':')).join('; ');
      const sensor = result.error.issues.some((i) => i.path[0] === 'sensorId');
      const code = result.target === 'param' ? (sensor ? 'bad_sensor_id' : 'bad_lot_id') : 'bad_request';
      return c.json(errorBody(code, message), 400);
    },
  });

  // Framing stays allowed (the widget and embed pages are meant for other sites; the pages' CSP
  // frame-ancestors says by whom); CORP is cross-origin so other origins may load public resources.
  // HSTS only on a response that came over HTTPS: over plain HTTP browsers ignore it (RFC 6797 §8.1).
  app.use('*', secureHeaders({ xFrameOptions: false, crossOriginResourcePolicy: 'cross-origin', crossOriginEmbedderPolicy: false, strictTransportSecurity: false }));
  app.use('*', async (c, next) => {
    await next();
    if (new URL(c.req.url).protocol === 'https:') c.header('Strict-Transport-Security', 'max-age=15552000; includeSubDomains');
  });
  // Text responses (pages, JSON, metrics) gzipped for clients that ask; /widget.js comes precompressed.
  // Never the live path: a WebSocket upgrade must stay an untouched HTTP/1.1 exchange.
  const gzip = compress({ encoding: 'gzip' });
  app.use('*', (c, next) => (c.req.path === LIVE_PATH ? next() : gzip(c, next)));
  app.use('/api/v1/*', cors({ origin: '*', allowMethods: ['GET', 'HEAD', 'OPTIONS'], exposeHeaders: ['Retry-After'] }));
  app.use('*', bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.json(errorBody('body_too_large', 'request bodies are limited to 16 KiB'), 413) }));

  // Abuse limits (issue 12): per-address rate first, so a flood costs as little as possible.
  // Limits run on the monotonic clock: they are about real time, not the domain clock tests may move.
  app.use('*', rateLimit({ ...limit, addressOf, now: () => performance.now(), onLimited: () => registry.rateLimited('http') }));
  app.use('*', handlerTimeout({ ms: handlerTimeoutMs, onTimeout: () => registry.timedOut('handler') }));

  const admin = createAdminAuth({ adminToken, oidc: adminOidc, logger, addressOf, now: () => performance.now() });
  registerOpsRoutes(app, { brokerConnected, board, pushes, metrics: registry, metricsToken, now: () => clock.now() });
  registerLotRoutes(app, { feed, history, calibrator, admin, sensorsOf, now: () => clock.now() });
  registerForecastRoute(app, { forecasts, models, now: () => clock.now() });
  if (nudges) {
    registerNudgeRoutes(app, { recorder: nudges, has: (lotId) => feed.has(lotId), addressOf, allowedOrigins, now: () => clock.now() });
    registerNudgeMetrics(registry.registry, nudges);
  }
  registerNudgeSettingsRoute(app, { lots, has: (lotId) => feed.has(lotId) });
  registerLiveRoute(app);
  registerGeoJsonRoute(app, { lots, feed });
  registerNgsiLdRoutes(app, { lots, feed, language: ngsiLanguage });
  registerPages(app, { widget, feed, frameAncestors });
  registerGateRoutes(app, { gates, admin });
  registerConsolePage(app, { assets: consoleAssets, nudges: nudges !== null });

  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'ADMIN_TOKEN, or an operator\'s access token (a JWT) from the OpenID Connect provider named by ADMIN_OIDC_ISSUER',
  });
  const docConfig = { openapi: '3.0.3', info: OPENAPI_INFO, servers: [{ url: '/' }] };
  app.doc('/api/v1/openapi.json', docConfig);
  registerDocsPage(app, () => app.getOpenAPIDocument(docConfig), { frameAncestors });

  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}; see /api/v1/openapi.json`), 404));
  app.onError((err, c) => {
    // e.g. a body that is not JSON: hono's validators throw an HTTPException with a 4xx status
    if (err instanceof HTTPException && err.status === 415) {
      return c.json(errorBody('unsupported_media_type', 'send the body as JSON with Content-Type: application/json'), 415);
    }
    if (err instanceof HTTPException && err.status < 500) return c.json(errorBody('bad_request', err.message), err.status);
    logger.error({ err: err.message, stack: err.stack, path: c.req.path }, 'unhandled API error');
    return c.json(errorBody('internal', 'internal error'), 500);
  });
  return app;
}
