/**
 * Measuring the nudge (issue 15, docs/nudge.md): `POST /api/v1/lots/{lotId}/nudge-events` from the
 * widget (public; a text/plain JSON body, so a browser's sendBeacon needs no preflight) and
 * `GET /api/v1/lots/{lotId}/nudge-stats`. A refused event gets its 4xx, is counted by reason and
 * changes no count. The client's address is used only by the in-memory rate limit: never stored,
 * never logged; the user agent and cookies are not read at all.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { createKeyedLimiter } from '../../core/index.js';
import { NudgeEvent, NudgeStats } from '../../protocol/index.js';
import { addressKey } from '../client-address.js';
import { errorBody, fail } from '../errors.js';
import type { NudgeRecorder, NudgeRejectReason } from '../nudge-recorder.js';

export const NUDGE_MAX_BODY = 256;
const EVENTS_PATH = '/api/v1/lots/:lotId/nudge-events';

export interface NudgeRouteDeps {
  recorder: NudgeRecorder;
  has: (lotId: string) => boolean;
  addressOf: (c: Context) => string;
  /** Browser origins whose pages may send events (ALLOWED_ORIGINS); '*' any. */
  allowedOrigins: readonly string[];
  /** Events per address: a page view sends a handful at most. */
  limit?: { perSecond: number; burst: number; maxAddresses: number };
  now: () => number;
}

export function registerNudgeRoutes(app: OpenAPIHono, { recorder, has, addressOf, allowedOrigins, limit = { perSecond: 0.5, burst: 20, maxAddresses: 50_000 }, now }: NudgeRouteDeps) {
  const limiter = createKeyedLimiter({ perSecond: limit.perSecond, burst: limit.burst, maxKeys: limit.maxAddresses });
  const refuse = (c: Context, reason: NudgeRejectReason, lotId: string, status: 400 | 403 | 404 | 413 | 429, message: string) => {
    recorder.reject(reason, lotId);
    return c.json(errorBody(reason, message), status);
  };

  app.post(EVENTS_PATH, async (c) => {
    const lotId = c.req.param('lotId');
    if (!has(lotId)) return refuse(c, 'unknown_lot', lotId, 404, `no lot "${lotId}"; GET /api/v1/lots lists the lots`);
    // Do Not Track / Global Privacy Control: the widget sends nothing then; a client that does anyway is not counted.
    if (c.req.header('sec-gpc') === '1' || c.req.header('dnt') === '1') {
      recorder.reject('opted_out', lotId);
      return c.body(null, 204);
    }
    const origin = c.req.header('origin') ?? null;
    if (origin && !allowedOrigins.includes('*') && !allowedOrigins.includes(origin)) {
      return refuse(c, 'origin', lotId, 403, `pages on ${origin} may not send nudge events (ALLOWED_ORIGINS)`);
    }
    if (!limiter.take(addressKey(addressOf(c)), now())) {
      c.header('Retry-After', String(limiter.retryAfterS));
      return refuse(c, 'rate_limited', lotId, 429, `at most ${limit.burst} nudge events at once from one address; retry after ${limiter.retryAfterS} s`);
    }
    const text = await c.req.text();
    if (Buffer.byteLength(text) > NUDGE_MAX_BODY) return refuse(c, 'too_large', lotId, 413, `a nudge event is at most ${NUDGE_MAX_BODY} bytes`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return refuse(c, 'bad_event', lotId, 400, 'the body must be JSON: {"event":"shown"|"followed","level":"vacant"|"crowded"|"full","arrival"?:…}');
    }
    const parsed = NudgeEvent.safeParse(json);
    if (!parsed.success) return refuse(c, 'bad_event', lotId, 400, z.prettifyError(parsed.error).replace(/\n/g, ' '));
    recorder.record(lotId, parsed.data, origin);
    return c.body(null, 204);
  });

  app.get('/api/v1/lots/:lotId/nudge-stats', async (c) => {
    const lotId = c.req.param('lotId');
    if (!has(lotId)) return fail(c, 404, 'lot_not_found', `no lot "${lotId}"; GET /api/v1/lots lists the lots`);
    const step = c.req.query('step') ?? '1h';
    const toMs = c.req.query('to') ? Date.parse(c.req.query('to')!) : Math.ceil(now() / 3_600_000) * 3_600_000;
    const fromMs = c.req.query('from') ? Date.parse(c.req.query('from')!) : toMs - 7 * 86_400_000;
    if (step !== '1h' && step !== '1d') return fail(c, 400, 'bad_request', 'step must be 1h or 1d');
    if (Number.isNaN(fromMs) || Number.isNaN(toMs) || fromMs >= toMs) return fail(c, 400, 'bad_request', 'from and to must be ISO times with from before to');
    if (toMs - fromMs > 400 * 86_400_000) return fail(c, 400, 'bad_request', 'from..to may span at most 400 days');
    if (step === '1h' && toMs - fromMs > 31 * 86_400_000) return fail(c, 400, 'bad_request', 'step=1h covers at most 31 days; use step=1d');
    return c.json(NudgeStats.parse(await recorder.stats(lotId, fromMs, toMs, step)));
  });

  const lotParam = z.object({ lotId: z.string().meta({ example: 'demo-hospital' }) });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/api/v1/lots/{lotId}/nudge-events',
    summary: 'Count a bus suggestion shown or followed (anonymous)',
    description: `Sent by the widget with navigator.sendBeacon as text/plain JSON (at most ${NUDGE_MAX_BODY} bytes). Aggregated on arrival into counts per lot × hour × event × level × arrival level × site (the Origin header); no event, address, identifier, cookie or user agent is stored or logged. Requests with Sec-GPC: 1 or DNT: 1 are not counted. Per-address limit (429). See docs/nudge.md.`,
    request: { params: lotParam, body: { content: { 'text/plain': { schema: NudgeEvent } } } },
    responses: {
      204: { description: 'Counted (or, with GPC/DNT, ignored)' },
      400: { description: 'Not a NudgeEvent; nothing counted' },
      403: { description: 'Origin not in ALLOWED_ORIGINS' },
      404: { description: 'Unknown lot' },
      413: { description: 'Body too large' },
      429: { description: 'Too many events from this address' },
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/v1/lots/{lotId}/nudge-stats',
    summary: 'Bus suggestions shown and followed, with the follow-up rate by level',
    request: {
      params: lotParam,
      query: z.object({
        from: z.string().optional().meta({ description: 'ISO time; default 7 days before `to`' }),
        to: z.string().optional().meta({ description: 'ISO time; default the end of the current hour' }),
        step: z.enum(['1h', '1d']).optional().meta({ description: 'bucket size (UTC hours or days); default 1h' }),
      }),
    },
    responses: {
      200: { description: 'Counts per bucket', content: { 'application/json': { schema: NudgeStats } } },
      400: { description: 'Bad from/to/step' },
      404: { description: 'Unknown lot' },
    },
  });
}
