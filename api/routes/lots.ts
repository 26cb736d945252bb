/** Lot status, history, calibration and sensor-reset routes. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { HISTORY_STEPS, MAX_HISTORY_POINTS } from '../../core/index.js';
import type { HistorySource } from '../../storage/index.js';
import { LotStatus } from '../../protocol/index.js';
import { fail } from '../errors.js';
import type { Calibrator } from '../calibration.js';
import type { StatusFeed } from '../status-feed.js';
import { CalibrationBody, CalibrationResponse, ErrorBody, HistoryQuery, HistoryResponse, LotParams, SensorParams, SensorResetResponse } from '../schemas.js';

export interface LotRouteDeps {
  feed: Pick<StatusFeed, 'get' | 'all'>;
  history: HistorySource | null;
  calibrator: Calibrator | null;
  /** The admin check (and audit log) for a route, by action name (admin-auth.ts). */
  admin: (action: string) => MiddlewareHandler;
  /** The sensors of a lot (empty for an unknown lot). */
  sensorsOf: (lotId: string) => readonly string[];
  now: () => number;
}

const LotList = z.object({ lots: z.array(LotStatus) }).meta({ id: 'LotList' });

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const errorResponse = (description: string) => json(ErrorBody, description);
/** Every route here may answer 429 (api/rate-limit.ts). */
const limited = { 429: errorResponse('Too many requests from this address; see Retry-After') };

const timedOut = (c: Context) =>
  fail(c, 504, 'ingest_timeout', 'ingest did not confirm in time, and the command has expired: it was not applied and will not be; is ingest running?');

const notFound = (c: Context, lotId: string) => fail(c, 404, 'lot_not_found', `no lot "${lotId}"; GET /api/v1/lots lists the lots`);

export function registerLotRoutes(app: OpenAPIHono, { feed, history, calibrator, admin, sensorsOf, now }: LotRouteDeps) {
  // Auth before validation: an unauthenticated request learns nothing about the body's shape.
  app.use('/api/v1/lots/:lotId/calibration', admin('calibration'));
  app.use('/api/v1/lots/:lotId/sensors/:sensorId/reset', admin('sensor-reset'));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/lots',
      summary: 'Every lot with its live status',
      responses: { 200: json(LotList, 'The lots, in lots-file order'), ...limited },
    }),
    (c) => c.json({ lots: feed.all() }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/lots/{lotId}',
      summary: "A lot's live status",
      request: { params: LotParams },
      responses: { 200: json(LotStatus, 'The status'), 400: errorResponse('Malformed lotId'), 404: errorResponse('No such lot'), ...limited },
    }),
    (c) => {
      const { lotId } = c.req.valid('param');
      const status = feed.get(lotId);
      return status ? c.json(status, 200) : notFound(c, lotId);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/lots/{lotId}/history',
      summary: "A lot's occupancy over time",
      request: { params: LotParams, query: HistoryQuery },
      responses: {
        200: json(HistoryResponse, 'One point per bucket'),
        400: errorResponse('A bad, reversed or too long range, or an unknown step'),
        404: errorResponse('No such lot'),
        503: errorResponse('No history store reachable from this API process'),
        ...limited,
      },
    }),
    async (c) => {
      const { lotId } = c.req.valid('param');
      const { from, to, step } = c.req.valid('query');
      if (!feed.get(lotId)) return notFound(c, lotId);
      const toMs = to ? Date.parse(to) : now();
      const fromMs = from ? Date.parse(from) : toMs - 86_400_000;
      if (fromMs >= toMs) return fail(c, 400, 'bad_range', `from (${new Date(fromMs).toISOString()}) must be before to (${new Date(toMs).toISOString()})`);
      const stepMs = HISTORY_STEPS[step];
      const buckets = Math.ceil((toMs - Math.floor(fromMs / stepMs) * stepMs) / stepMs);
      if (buckets > MAX_HISTORY_POINTS) {
        return fail(c, 400, 'range_too_long', `from..to at step=${step} is ${buckets} points; the most is ${MAX_HISTORY_POINTS}: use a larger step or a shorter range`);
      }
      if (!history) {
        return fail(c, 503, 'history_unavailable', 'history needs INFLUX_URL, or the API running in the same process as ingest (manku all)');
      }
      const points = await history.history(lotId, fromMs, toMs, stepMs);
      return c.json({ lotId, step, points: points as z.infer<typeof HistoryResponse>['points'] }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/lots/{lotId}/calibration',
      summary: 'Set the true number of vehicles in a lot now (admin)',
      description:
        'Needs `Authorization: Bearer <ADMIN_TOKEN>` or an operator\'s access token from the OpenID Connect provider (ADMIN_OIDC_ISSUER). ' +
        'Disabled (403) while neither is configured.',
      security: [{ adminToken: [] }],
      request: { params: LotParams, body: { content: { 'application/json': { schema: CalibrationBody } }, required: true } },
      responses: {
        200: json(CalibrationResponse, 'Applied, broadcast and stored'),
        400: errorResponse('occupied missing or out of 0..capacity'),
        401: errorResponse('Missing or wrong bearer token, or an invalid access token'),
        403: errorResponse("Admin routes disabled, or the token's holder is no operator"),
        404: errorResponse('No such lot'),
        413: errorResponse('Body over 16 KiB'),
        415: errorResponse('Body not sent as application/json'),
        503: errorResponse('No way to reach ingest from this API, or the OpenID Connect provider unreachable'),
        504: errorResponse('Ingest did not confirm in time; the command has expired and will never be applied'),
        ...limited,
      },
    }),
    async (c) => {
      const { lotId } = c.req.valid('param');
      const { occupied } = c.req.valid('json');
      const status = feed.get(lotId);
      if (!status) return notFound(c, lotId);
      if (occupied > status.capacity) return fail(c, 400, 'out_of_range', `occupied must be from 0 to the capacity, ${status.capacity}`);
      if (!calibrator) return fail(c, 503, 'calibration_unavailable', 'this API has no broker link to reach ingest');
      const result = await calibrator.request(lotId, { occupied });
      if (!result) return timedOut(c);
      if (!result.ok) return fail(c, 400, 'refused', result.error);
      if (!('occupied' in result)) return fail(c, 502, 'bad_answer', 'ingest answered with something else');
      return c.json({ lotId, occupied: result.occupied, previous: result.previous }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/lots/{lotId}/sensors/{sensorId}/reset',
      summary: "Reset one sensor's reference (admin)",
      description:
        'Forgets the sensor\'s last (boot, seq, in, out): its next reading becomes the reference and changes no count. ' +
        'For a sensor that keeps being ignored as `old-boot` (e.g. after a firmware that sent a wrong boot number). ' +
        'Calibrate the lot afterwards if its count is off. Needs `Authorization: Bearer <ADMIN_TOKEN>` or an operator\'s access token.',
      security: [{ adminToken: [] }],
      request: { params: SensorParams },
      responses: {
        200: json(SensorResetResponse, 'Reset: the next reading from this sensor becomes its reference'),
        400: errorResponse('Malformed lot or sensor id'),
        401: errorResponse('Missing or wrong bearer token, or an invalid access token'),
        403: errorResponse("Admin routes disabled, or the token's holder is no operator"),
        404: errorResponse('No such lot or sensor'),
        503: errorResponse('No way to reach ingest from this API, or the OpenID Connect provider unreachable'),
        504: errorResponse('Ingest did not confirm in time; the command has expired and will never be applied'),
        ...limited,
      },
    }),
    async (c) => {
      const { lotId, sensorId } = c.req.valid('param');
      if (!feed.get(lotId)) return notFound(c, lotId);
      if (!sensorsOf(lotId).includes(sensorId)) return fail(c, 404, 'sensor_not_found', `lot "${lotId}" has no sensor "${sensorId}"`);
      if (!calibrator) return fail(c, 503, 'calibration_unavailable', 'this API has no broker link to reach ingest');
      const result = await calibrator.request(lotId, { resetSensor: sensorId });
      if (!result) return timedOut(c);
      if (!result.ok) return fail(c, 400, 'refused', result.error);
      if (!('sensorId' in result)) return fail(c, 502, 'bad_answer', 'ingest answered with something else');
      return c.json({ lotId, sensorId, previous: result.previous }, 200);
    },
  );
}

