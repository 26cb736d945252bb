/**
 * `GET /widget.js`: precompressed, with an ETag from its content hash. Hospital pages load it on
 * every view: a few minutes of fresh cache, then a revalidation that costs a 304, while a stale copy
 * may still be used for a day in the meantime. `/widget.js?v=<hash>` (what our own pages use) never
 * changes, so it is cached for a year.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { accepts } from 'hono/accepts';
import { etag } from 'hono/etag';
import type { WidgetAssets, WidgetBundle } from '../widget-assets.js';

export const WIDGET_PATH = '/widget.js';
const FRESH = 'public, max-age=300, stale-while-revalidate=86400';
const VERSIONED = 'public, max-age=31536000, immutable';

/** The URL our own pages load: versioned when the bundle is built. */
export const widgetUrl = (w: WidgetBundle | null) => (w ? `${WIDGET_PATH}?v=${w.hash}` : WIDGET_PATH);

export function registerWidgetScript(app: OpenAPIHono, widget: Pick<WidgetAssets, 'bundle'>) {
  // Both encodings are the same script: one weak ETag for both (RFC 9110 §8.8.1); hono's etag
  // middleware answers a matching If-None-Match with 304.
  app.use(WIDGET_PATH, etag({ weak: true }));
  app.get(WIDGET_PATH, (c) => {
    const w = widget.bundle;
    if (!w) return c.text('// widget not built yet', 503);
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', c.req.query('v') === w.hash ? VERSIONED : FRESH);
    c.header('ETag', `W/"${w.hash}"`);
    c.header('Vary', 'Accept-Encoding');
    c.header('Access-Control-Allow-Origin', '*');
    // lets the embedding page (and our benchmark) read the transfer size in Resource Timing
    c.header('Timing-Allow-Origin', '*');
    if (accepts(c, { header: 'Accept-Encoding', supports: ['gzip'], default: 'identity' }) === 'gzip') {
      c.header('Content-Encoding', 'gzip');
      return c.body(w.gzip as Uint8Array<ArrayBuffer>, 200);
    }
    return c.body(w.js, 200);
  });
}
