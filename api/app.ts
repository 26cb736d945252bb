/** The HTTP API (Hono + OpenAPI): routes, middleware, error shape, the OpenAPI document. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { compress } from 'hono/compress';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { secureHeaders } from 'hono/secure-headers';
import pino, { type Logger } from 'pino';
import { systemClock, type Clock } from '../core/index.js';
import type { HistorySource } from '../storage/index.js';
import type { Calibrator } from './calibration.js';
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
  /** The lots file's lots, for the NGSI-LD and GeoJSON routes (their location, address, ...). */
  lots?: readonly NgsiLot[];
  /** NGSI_LANGUAGE: the language of NGSI names and addresses. */
  ngsiLanguage?: Language;
  /** The NGSI push processes' health, for /readyz (degraded) and /metrics. */
  pushes?: PushHealthBoard;
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
}: AppOptions) {
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
  app.use('/api/v1/*', cors({ origin: '*', allowMethods: ['GET', 'HEAD', 'OPTIONS'] }));
  app.use('*', bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.json(errorBody('body_too_large', 'request bodies are limited to 16 KiB'), 413) }));

  registerOpsRoutes(app, { brokerConnected, board, pushes, metrics: metrics ?? createMetrics({ board, feed, pushes }), metricsToken, now: () => clock.now() });
  registerLotRoutes(app, { feed, history, calibrator, adminToken, sensorsOf, now: () => clock.now() });
  registerLiveRoute(app);
  registerGeoJsonRoute(app, { lots, feed });
  registerNgsiLdRoutes(app, { lots, feed, language: ngsiLanguage });
  registerPages(app, { widget, feed, frameAncestors });

  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' });
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
