import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { LiveClientMessage, LiveServerMessage } from '../../protocol/index.js';
import { fail } from '../errors.js';
import { LIVE_PATH } from '../live-upgrade.js';

/** The OpenAPI description of `GET /api/v1/live`, and the 426 for a request that is no upgrade. */
export function registerLiveRoute(app: OpenAPIHono) {
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
      'Errors arrive as `{"type":"error","code","message","lots"?}` and the socket stays usable. Text frames only; client frames ' +
      'are capped at 4 KiB; lots are deduplicated, at most 100 per connection (`too_many_lots`); at most 5 client messages a ' +
      'second in bursts of 20 (`rate_limited`). The server pings every 30 s and drops peers that do not answer, and drops a ' +
      'client that leaves over 1 MiB unread or does not read for 15 s. One address may hold 100 connections (429). A browser\'s Origin is checked against ALLOWED_ORIGINS; clients without Origin (servers) are let through.',
    request: { query: z.object({ lots: z.string().optional().meta({ description: 'comma-separated lot ids to subscribe to', example: 'demo-hospital' }) }) },
    responses: {
      101: { description: 'Switching Protocols; frames are LiveServerMessage (server) and LiveClientMessage (client)' },
      403: { description: 'Browser Origin not in ALLOWED_ORIGINS' },
      429: { description: 'This address holds as many live connections as it may' },
      426: { description: 'Not a WebSocket upgrade request' },
    },
  });

  // Upgrades never reach the router: live-upgrade.ts takes them on the server's 'upgrade' event.
  app.get(LIVE_PATH, (c) =>
    fail(c, 426, 'upgrade_required', 'connect with a WebSocket client (Upgrade: websocket)'),
  );
}
