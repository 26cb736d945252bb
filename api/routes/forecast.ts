/** `GET /api/v1/lots/{lotId}/forecast`: the lot's occupancy at given horizons or at one time (docs/api.md). */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { ForecastBody } from '../../protocol/index.js';
import { fail, errorBody } from '../errors.js';
import type { ForecastFeed } from '../forecast-feed.js';
import type { ForecastModels } from '../forecast-models.js';
import { ErrorBody, ForecastQuery, LotParams, NoForecastBody } from '../schemas.js';

export interface ForecastRouteDeps {
  forecasts: Pick<ForecastFeed, 'forecastNow'>;
  models: Pick<ForecastModels, 'get'>;
  now: () => number;
}

/** The longest horizon served (the forecaster's). */
export const MAX_HORIZON_MIN = 180;

/** Minutes from `30m,1h,90` (already shape-checked by ForecastQuery), or a message naming the bad one. */
export function parseHorizons(text: string): number[] | string {
  const minutes = text.split(',').map((h) => (h.endsWith('h') ? Number(h.slice(0, -1)) * 60 : Number(h.replace(/m$/, ''))));
  const bad = minutes.find((m) => !(m >= 1 && m <= MAX_HORIZON_MIN));
  return bad === undefined ? [...new Set(minutes)].sort((a, b) => a - b) : `each horizon must be from 1 to ${MAX_HORIZON_MIN} minutes, not ${bad}`;
}

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

export function registerForecastRoute(app: OpenAPIHono, { forecasts, models, now }: ForecastRouteDeps) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/lots/{lotId}/forecast',
      summary: "A lot's forecast occupancy and level, with a band",
      description:
        'From the lot\'s model (trained on its stored history, refreshed every FORECAST_REFRESH_S) and its current count. ' +
        '`in=30m,60m` (the default) or `at=<ISO time>`, 1 to 180 minutes ahead. 409 with a reason when there is no forecast ' +
        '(too little history, model not trained yet, the lot stale, or no history at those times of day): never a made-up number.',
      request: { params: LotParams, query: ForecastQuery },
      responses: {
        200: json(ForecastBody, 'The forecast points (horizons it cannot forecast are listed in skipped)'),
        400: json(ErrorBody, 'A bad lotId, `in` or `at`, or both `in` and `at`'),
        404: json(ErrorBody, 'No such lot'),
        409: json(NoForecastBody, 'No forecast for this lot now, and why'),
        429: json(ErrorBody, 'Too many requests from this address; see Retry-After'),
      },
    }),
    (c) => {
      const { lotId } = c.req.valid('param');
      const query = c.req.valid('query');
      if (query.in !== undefined && query.at !== undefined) return fail(c, 400, 'bad_request', 'query: give either in or at, not both');
      let horizons: number[];
      if (query.at !== undefined) {
        const minutes = (Date.parse(query.at) - now()) / 60_000;
        if (!(minutes >= 1 && minutes <= MAX_HORIZON_MIN)) {
          return fail(c, 400, 'bad_request', `query at: must be 1 to ${MAX_HORIZON_MIN} minutes from now (${new Date(now()).toISOString()}), not ${Math.round(minutes)} minutes`);
        }
        horizons = [minutes];
      } else {
        const parsed = parseHorizons(query.in ?? '30m,60m');
        if (typeof parsed === 'string') return fail(c, 400, 'bad_request', `query in: ${parsed}`);
        horizons = parsed;
      }
      const result = forecasts.forecastNow(lotId, horizons);
      if (!result) return fail(c, 404, 'lot_not_found', `no lot "${lotId}"; GET /api/v1/lots lists the lots`);
      const noForecast = (reason: string) => c.json({ ...errorBody('no_forecast', `no forecast for lot "${lotId}" now: ${reason}`), reason }, 409);
      if (!result.ok) return noForecast(result.reason);
      if (result.points.length === 0) return noForecast(result.skipped.map((s) => `${s.horizonMin} min: ${s.reason}`).join('; '));
      const m = models.get(lotId);
      if (m?.state !== 'ready') return noForecast(m?.reason ?? 'no model');
      const { model } = m;
      const maeAt = (h: number) => {
        const k = Math.min(model.maePct.length - 1, Math.max(1, Math.round((h * 60_000) / model.stepMs)));
        return Math.round((model.maePct[k] || 0) * 100) / 100;
      };
      const points = result.points.map((p) => ({
        at: p.at,
        inMin: Math.round(p.horizonMin * 100) / 100,
        occupied: p.occupied,
        available: p.available,
        level: p.level,
        low: p.low,
        high: p.high,
        maePct: maeAt(p.horizonMin),
      }));
      return c.json(
        {
          lotId,
          issuedAt: new Date(result.issuedAtMs).toISOString(),
          points,
          ...(result.skipped.length ? { skipped: result.skipped.map((s) => ({ inMin: s.horizonMin, reason: s.reason })) } : {}),
          basis: {
            method: 'manku' as const,
            trainedFrom: new Date(model.trainedFromMs).toISOString(),
            trainedTo: new Date(model.trainedToMs).toISOString(),
            maePct: points.at(-1)!.maePct,
          },
        },
        200,
      );
    },
  );
}
