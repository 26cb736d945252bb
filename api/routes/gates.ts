/** `GET /api/v1/lots/{lotId}/gates` (admin): each gate's state, silent ones first (issue 13). */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { LotGates } from '../../protocol/index.js';
import { fail } from '../errors.js';
import type { GateBoard } from '../gate-board.js';
import { ErrorBody, LotParams } from '../schemas.js';

export interface GateRouteDeps {
  gates: Pick<GateBoard, 'get'>;
  admin: (action: string, options?: { audit?: boolean }) => MiddlewareHandler;
}

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

export function registerGateRoutes(app: OpenAPIHono, { gates, admin }: GateRouteDeps) {
  // Auth before validation, as for every admin route; a read, so no audit line per call.
  app.use('/api/v1/lots/:lotId/gates', admin('gates', { audit: false }));
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/lots/{lotId}/gates',
      summary: "A lot's gates: last seen, boot, seq, counters, online or silent (admin)",
      description:
        'Every gate of the lot from the lots file, silent ones first. `online` is false for a gate not heard within the lot\'s ' +
        '`staleAfterS`, decided when asked. Counters are since the lot\'s ingest started; `at` is when ingest took them (null: not reported yet). ' +
        'Needs `Authorization: Bearer <ADMIN_TOKEN>` or an operator\'s access token.',
      security: [{ adminToken: [] }],
      request: { params: LotParams },
      responses: {
        200: json(LotGates, "The lot's gates"),
        400: json(ErrorBody, 'Malformed lotId'),
        401: json(ErrorBody, 'Missing or wrong bearer token, or an invalid access token'),
        403: json(ErrorBody, "Admin routes disabled, or the token's holder is no operator"),
        404: json(ErrorBody, 'No such lot'),
        429: json(ErrorBody, 'Too many requests from this address; see Retry-After'),
        503: json(ErrorBody, 'The OpenID Connect provider unreachable'),
      },
    }),
    (c) => {
      const { lotId } = c.req.valid('param');
      const state = gates.get(lotId);
      if (!state) return fail(c, 404, 'lot_not_found', `no lot "${lotId}"; GET /api/v1/lots lists the lots`);
      c.header('Cache-Control', 'no-store');
      return c.json(state, 200);
    },
  );
}
