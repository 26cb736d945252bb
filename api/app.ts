/** The HTTP API (Hono). Routes only read; live state comes from the status feed. */
import { Hono } from 'hono';
import pino, { type Logger } from 'pino';
import { isId } from '../protocol/index.js';
import type { StatusFeed } from './status-feed.js';

export interface AppOptions {
  feed: Pick<StatusFeed, 'get' | 'all' | 'connected'>;
  logger?: Logger;
}

/** Every error body: `{"error": {"code", "message"}}`. */
export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

export function createApp({ feed, logger = pino({ level: 'silent' }) }: AppOptions) {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/api/v1/lots', (c) => c.json({ lots: feed.all() }));

  app.get('/api/v1/lots/:lotId', (c) => {
    const lotId = c.req.param('lotId');
    if (!isId(lotId)) {
      return c.json(errorBody('bad_lot_id', `lotId "${lotId}" is not valid: use lower-case letters, digits and '-', 1 to 64 characters`), 400);
    }
    const status = feed.get(lotId);
    if (!status) return c.json(errorBody('lot_not_found', `no lot "${lotId}"; GET /api/v1/lots lists the lots`), 404);
    return c.json(status);
  });

  app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    logger.error({ err: err.message, stack: err.stack, path: c.req.path }, 'unhandled API error');
    return c.json(errorBody('internal', 'internal error'), 500);
  });
  return app;
}
