/** The widget script, the iframe embed page and the landing page. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { isId } from '../../protocol/index.js';
import { escapeHtml } from '../html.js';
import type { StatusFeed } from '../status-feed.js';
import type { WidgetBundle } from '../widget-assets.js';
import { registerWidgetScript, widgetUrl } from './widget-script.js';

export interface PageDeps {
  widget: () => WidgetBundle | null;
  feed: Pick<StatusFeed, 'all' | 'has'>;
  /** CSP frame-ancestors for /embed (e.g. "https://hospital.example.jp"); unset: any site may frame it. */
  frameAncestors?: string;
}


const page = (title: string, body: string, script: string, lang = 'ja') => `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:0;padding:1rem;color:#1f1f1f}
main{max-width:48rem;margin:auto}section{margin:1.5rem 0}pre{background:#f4f4f4;padding:.75rem;overflow:auto;white-space:pre-wrap}</style>
<script src="${escapeHtml(script)}" async></script></head><body>${body}</body></html>`;

export function registerPages(app: OpenAPIHono, { widget, feed, frameAncestors }: PageDeps) {
  registerWidgetScript(app, widget);

  app.get('/embed/:lotId', (c) => {
    const lotId = c.req.param('lotId');
    if (!isId(lotId) || !feed.has(lotId)) {
      return c.json({ error: { code: 'lot_not_found', message: `no lot "${lotId}"; GET /api/v1/lots lists the lots` } }, 404);
    }
    const lang = c.req.query('lang') === 'en' ? 'en' : 'ja';
    const link = c.req.query('link');
    if (frameAncestors) c.header('Content-Security-Policy', `frame-ancestors ${frameAncestors}`);
    const attrs = `lot="${escapeHtml(lotId)}" lang="${lang}"${link && /^https?:\/\//.test(link) ? ` link="${escapeHtml(link)}"` : ''}`;
    return c.html(page(lotId, `<manku-status ${attrs}></manku-status>`, widgetUrl(widget()), lang).replace('padding:1rem', 'padding:0'));
  });

  app.get('/', (c) => {
    const origin = new URL(c.req.url).origin;
    const lots = feed.all();
    const sections = lots
      .map((s) => {
        const snippet = `<script src="${origin}/widget.js" async></script>\n<manku-status lot="${s.lotId}"></manku-status>`;
        const iframe = `<iframe src="${origin}/embed/${s.lotId}" title="${s.name.ja}" width="320" height="140" style="border:0"></iframe>`;
        return `<section><h2>${escapeHtml(s.name.ja)} <small>(${escapeHtml(s.name.en)})</small></h2>
<manku-status lot="${escapeHtml(s.lotId)}"></manku-status>
<p>Snippet — paste into any page:</p><pre>${escapeHtml(snippet)}</pre>
<p>Or, where only an iframe is allowed:</p><pre>${escapeHtml(iframe)}</pre></section>`;
      })
      .join('\n');
    return c.html(
      page(
        'manku 満空',
        `<main><h1>manku 満空</h1><p>Live car-park status. API: <a href="/docs">/docs</a>, <a href="/api/v1/openapi.json">OpenAPI</a>.</p>${sections}</main>`,
        widgetUrl(widget()),
      ),
    );
  });
}
