/** `GET /api/v1/live`: the WebSocket upgrade, with its Origin check, and its OpenAPI description. */
import { upgradeWebSocket } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { LiveClientMessage, LiveServerMessage } from '../../protocol/index.js';
import type { LiveHub } from '../live-hub.js';

export interface LiveRouteDeps {
  hub: () => LiveHub | null;
  /** `*` or exact origins such as `https://hospital.example.jp`. */
  allowedOrigins: readonly string[];
}

export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.includes('*')) return true;
  return origin !== undefined && allowed.includes(origin);
}

export function registerLiveRoute(app: OpenAPIHono, { hub, allowedOrigins }: LiveRouteDeps) {
  // WebSocket frames are no HTTP bodies: publish their schemas as components for clients to use.
  for (const [name, schema] of [
    ['LiveClientMessage', LiveClientMessage],
    ['LiveServerMessage', LiveServerMessage],
  ] as const) {
    // An empty metadata registry inlines everything, so no ref points outside the document.
    const { $schema: _, ...json } = z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any', metadata: z.registry() }) as Record<string, unknown>;
    app.openAPIRegistry.registerComponent('schemas', name, json);
  }
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/v1/live',
    summary: 'Live status over WebSocket',
    description:
      'Upgrade to a WebSocket (same port). Subscribe with `?lots=a,b` or by sending a `LiveClientMessage` ' +
      '`{"type":"subscribe","lots":["a"]}` (or `unsubscribe`). The server answers at once with ' +
      '`{"type":"status","status":LotStatus}` per subscribed lot, then one on every change of level, occupied or stale. ' +
      'Errors arrive as `{"type":"error","code","message"}` and the socket stays usable. Text frames only; client frames ' +
      'are capped at 4 KiB; the server pings every 30 s and drops peers that do not answer, and drops a client whose ' +
      'unsent output passes 1 MiB. Origin is checked against ALLOWED_ORIGINS.',
    request: { query: z.object({ lots: z.string().optional().meta({ description: 'comma-separated lot ids to subscribe to', example: 'demo-hospital' }) }) },
    responses: {
      101: { description: 'Switching Protocols; frames are LiveServerMessage (server) and LiveClientMessage (client)' },
      403: { description: 'Origin not allowed' },
      426: { description: 'Not a WebSocket upgrade request' },
    },
  });

  app.get(
    '/api/v1/live',
    (c, next) => {
      if (!originAllowed(c.req.header('origin'), allowedOrigins)) {
        return c.json({ error: { code: 'origin_not_allowed', message: 'this Origin is not in ALLOWED_ORIGINS' } }, 403);
      }
      return next();
    },
    upgradeWebSocket((c) => {
      const lots = (c.req.query('lots') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      return {
        onOpen(_event, ws) {
          const h = hub();
          if (!h) return ws.close(1013, 'not ready');
          h.attach(ws.raw as WebSocket, lots);
        },
      };
    }),
    (c) => c.json({ error: { code: 'upgrade_required', message: 'connect with a WebSocket client (Upgrade: websocket)' } }, 426),
  );
}
