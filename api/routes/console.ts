/**
 * The operators' console: `GET /ops` (a page that holds no secret: the operator's token is typed
 * into it and kept in the tab) and `GET /ops.js`, its script. Same CSP as the other pages.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { accepts } from 'hono/accepts';
import type { ConsoleAssets } from '../console-assets.js';
import { htmlWithPolicy } from '../html.js';

export const CONSOLE_PATH = '/ops';
const SCRIPT_PATH = '/ops.js';

/** `nudges`: the API serves nudge-stats, so the console shows its panel (asking otherwise would only earn 404s). */
export function registerConsolePage(app: OpenAPIHono, { assets, nudges = false }: { assets: Pick<ConsoleAssets, 'bundle'>; nudges?: boolean }) {
  app.get(CONSOLE_PATH, async (c) => {
    const b = await assets.bundle();
    c.header('Cache-Control', 'no-store');
    // The page is the same for everybody; the console script fills it in (and the language).
    const html = `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>manku 運用コンソール / Operators' console</title><link rel="icon" href="data:,">
<style>${b.css}</style>
<script src="${SCRIPT_PATH}?v=${b.hash}" defer></script></head>
<body><div id="app"${nudges ? ' data-nudge="on"' : ''}><noscript>JavaScript is needed for the console. / コンソールには JavaScript が必要です。</noscript></div></body></html>`;
    return htmlWithPolicy(c, html, { styles: [b.css], frameAncestors: "'none'" });
  });

  app.get(SCRIPT_PATH, async (c) => {
    const b = await assets.bundle();
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', c.req.query('v') === b.hash ? 'public, max-age=31536000, immutable' : 'no-cache');
    c.header('ETag', `W/"${b.hash}"`);
    c.header('Vary', 'Accept-Encoding');
    if (c.req.header('if-none-match') === `W/"${b.hash}"`) return c.body(null, 304);
    if (accepts(c, { header: 'Accept-Encoding', supports: ['gzip'], default: 'identity' }) === 'gzip') {
      c.header('Content-Encoding', 'gzip');
      return c.body(b.gzip as Uint8Array<ArrayBuffer>, 200);
    }
    return c.body(b.js, 200);
  });
}
