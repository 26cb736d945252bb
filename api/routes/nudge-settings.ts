/**
 * `GET /api/v1/lots/{lotId}/nudge-settings`: the lot's bus suggestion from the lots file (link with
 * its campaign parameter, label, levels), for the widget. A resource of its own rather than a field
 * of LotStatus: that is the live message (MQTT, WebSocket, the 30 s poll), and these settings only
 * change with the lots file, so the widget fetches them once per page and the browser caches them.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { nudgeSettingsOf, type LotConfig } from '../../core/index.js';
import { NudgeSettings } from '../../protocol/index.js';
import { fail } from '../errors.js';
import { ErrorBody, LotParams } from '../schemas.js';

/** As long as widget.js: a changed lots file reaches pages within minutes. */
export const NUDGE_SETTINGS_CACHE = 'public, max-age=300';

export interface NudgeSettingsDeps {
  lots: readonly Pick<LotConfig, 'id' | 'nudge'>[];
  /** Whether the lot exists (the status feed). */
  has: (lotId: string) => boolean;
}

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

export function registerNudgeSettingsRoute(app: OpenAPIHono, { lots, has }: NudgeSettingsDeps) {
  const settings = new Map(lots.map((lot) => [lot.id, nudgeSettingsOf(lot.nudge)]));
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/lots/{lotId}/nudge-settings',
      summary: "A lot's bus suggestion for the widget",
      description:
        'From the lots file (`nudge`): the link with its campaign parameter appended, its label, and the levels now and at arrival at which the widget shows it. ' +
        '`nudge` is null for a lot without one. Cacheable for 5 minutes. See docs/nudge.md.',
      request: { params: LotParams },
      responses: {
        200: json(NudgeSettings, "The lot's settings"),
        400: json(ErrorBody, 'Malformed lotId'),
        404: json(ErrorBody, 'No such lot'),
        429: json(ErrorBody, 'Too many requests from this address; see Retry-After'),
      },
    }),
    (c) => {
      const { lotId } = c.req.valid('param');
      if (!has(lotId)) return fail(c, 404, 'lot_not_found', `no lot "${lotId}"; GET /api/v1/lots lists the lots`);
      c.header('Cache-Control', NUDGE_SETTINGS_CACHE);
      return c.json({ lotId, nudge: settings.get(lotId) ?? null }, 200);
    },
  );
}
