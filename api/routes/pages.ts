/** The widget script, the iframe embed page and the landing page. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { isId } from '../../protocol/index.js';
import { fail } from '../errors.js';
import { escapeHtml, htmlWithPolicy } from '../html.js';
import { sha256Source } from '../page-policy.js';
import type { StatusFeed } from '../status-feed.js';
import type { WidgetAssets, WidgetBundle } from '../widget-assets.js';
import { registerWidgetScript, widgetUrl } from './widget-script.js';

export interface PageDeps {
  widget: Pick<WidgetAssets, 'bundle'>;
  feed: Pick<StatusFeed, 'all' | 'has'>;
  /** CSP frame-ancestors of the pages (e.g. "https://hospital.example.jp"); unset: any site may frame them. */
  frameAncestors?: string;
}

const pageCss = (padding: string) => `body{font:16px/1.5 system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:0;padding:${padding};color:#1f1f1f}
main{max-width:48rem;margin:auto}section{margin:1.5rem 0}pre{background:#f4f4f4;padding:.75rem;overflow:auto;white-space:pre-wrap}`;
const LANDING_CSS = pageCss('1rem');
const EMBED_CSS = pageCss('0');

const page = (title: string, css: string, body: string, script: string, lang = 'ja') => `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><link rel="icon" href="data:,">
<style>${css}</style>
<script src="${escapeHtml(script)}" async></script></head><body>${body}</body></html>`;

export function registerPages(app: OpenAPIHono, { widget, feed, frameAncestors }: PageDeps) {
  registerWidgetScript(app, widget);
  /** The page's own <style>, and the widget's for browsers where it falls back to a <style> element. */
  const styles = (css: string) => {
    const w = widget.bundle;
    return w ? [css, w.css] : [css];
  };

  // Our pages declare an empty icon, but a browser opening the API's JSON or /metrics still asks
  // for /favicon.ico, and a 404 there is a console error in audits (Lighthouse): say "none".
  app.get('/favicon.ico', (c) => c.body(null, 204, { 'Cache-Control': 'public, max-age=604800' }));

  app.get('/embed/:lotId', (c) => {
    const lotId = c.req.param('lotId');
    if (!isId(lotId) || !feed.has(lotId)) {
      return fail(c, 404, 'lot_not_found', `no lot "${lotId}"; GET /api/v1/lots lists the lots`);
    }
    const lang = c.req.query('lang') === 'en' ? 'en' : 'ja';
    const link = c.req.query('link');
    const attrs = `lot="${escapeHtml(lotId)}" lang="${lang}"${link && /^https?:\/\//.test(link) ? ` link="${escapeHtml(link)}"` : ''}`;
    const html = page(lotId, EMBED_CSS, `<manku-status ${attrs}></manku-status>`, widgetUrl(widget.bundle), lang);
    return htmlWithPolicy(c, html, { styles: styles(EMBED_CSS), frameAncestors });
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
    const main = `<main><h1>manku 満空</h1><p>Live car-park status. API: <a href="/docs">/docs</a>, <a href="/api/v1/openapi.json">OpenAPI</a>.</p>${sections}
${policyHelp(origin, widget.bundle)}</main>`;
    return htmlWithPolicy(c, page('manku 満空', LANDING_CSS, main, widgetUrl(widget.bundle)), { styles: styles(LANDING_CSS), frameAncestors });
  });
}

/** What a site with its own Content-Security-Policy must allow for the snippet (docs/widget.md). */
function policyHelp(origin: string, w: WidgetBundle | null) {
  const needed = `script-src ${origin}; connect-src ${origin} ${origin.replace(/^http/, 'ws')}`;
  const legacy = w ? `<p>Only for Safari before 16.4 (no constructable stylesheets), also: <code>style-src ${escapeHtml(sha256Source(w.css))}</code></p>` : '';
  return `<section><h2>If your site sends a Content-Security-Policy</h2>
<p>Add this server to these directives (the widget's styles need no <code>'unsafe-inline'</code>):</p><pre>${escapeHtml(needed)}</pre>${legacy}</section>`;
}
