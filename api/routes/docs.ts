/**
 * `GET /docs`: the interactive API reference, Swagger UI (npm `swagger-ui-dist`, self-hosted: no
 * CDN) on the generated OpenAPI document, its "Try it out" calling this same server.
 * `GET /docs/overview`: a small page listing the API for people, made from the same document (no script).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { accepts } from 'hono/accepts';
import { createSwaggerUiAssets, isSwaggerUiFile, type SwaggerUiAssets } from '../docs-assets.js';
import { fail } from '../errors.js';
import { escapeHtml, htmlWithPolicy } from '../html.js';

export const DOCS_PATH = '/docs';
const ASSETS = '/docs/swagger-ui';
const OPENAPI_PATH = '/api/v1/openapi.json';

const CSS = `body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:.5rem;vertical-align:top}
td p{margin:.25rem 0 0;color:#555;font-size:.9em}code{background:#f4f4f4;padding:0 .2em}`;
const UI_CSS = `body{margin:0}header{font:16px/1.5 system-ui,sans-serif;max-width:1460px;margin:0 auto;padding:1rem 20px 0;color:#222}`;

/**
 * Started by /docs/init.js (script-src 'self': no inline script). validatorUrl null: Swagger UI
 * would otherwise send the document to validator.swagger.io. The document's server is "/", so
 * "Try it out" calls the origin the page came from.
 */
const INIT_JS = `window.ui = SwaggerUIBundle({
  url: new URL(${JSON.stringify(OPENAPI_PATH)}, location.href).href,
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

type Doc = { info: { title: string; description?: string }; paths?: object };

export function registerDocsPage(app: OpenAPIHono, document: () => Doc, { frameAncestors, assets = createSwaggerUiAssets() }: { frameAncestors?: string; assets?: SwaggerUiAssets } = {}) {
  app.get(DOCS_PATH, (c) => {
    const { info } = document();
    const v = encodeURIComponent(assets.version());
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(info.title)}</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSETS}/swagger-ui.css?v=${v}"><style>${UI_CSS}</style>
<script src="${ASSETS}/swagger-ui-bundle.js?v=${v}" defer></script><script src="${DOCS_PATH}/init.js?v=${v}" defer></script></head>
<body><header><p>${escapeHtml(info.description ?? '')} Overview: <a href="${DOCS_PATH}/overview">every route on one page</a>.
Machine-readable: <a href="${OPENAPI_PATH}">${OPENAPI_PATH}</a> (OpenAPI 3.0).</p></header>
<main id="swagger-ui"><noscript>The interactive reference needs JavaScript; <a href="${DOCS_PATH}/overview">the overview</a> does not.</noscript></main></body></html>`;
    return htmlWithPolicy(c, html, { styles: [UI_CSS], stylesheets: true, frameAncestors });
  });

  app.get(`${DOCS_PATH}/init.js`, (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(INIT_JS);
  });

  app.get(`${ASSETS}/:file`, async (c) => {
    const name = c.req.param('file');
    if (!isSwaggerUiFile(name)) return fail(c, 404, 'not_found', `no file ${name} under ${ASSETS}`);
    const asset = await assets.get(name);
    const etag = `"${asset.hash}"`;
    c.header('ETag', etag);
    c.header('Vary', 'Accept-Encoding');
    // /docs asks for ?v=<package version>: a new swagger-ui-dist is a new URL.
    c.header('Cache-Control', c.req.query('v') === assets.version() ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    if (c.req.header('if-none-match') === etag) return c.body(null, 304);
    c.header('Content-Type', asset.contentType);
    if (accepts(c, { header: 'Accept-Encoding', supports: ['gzip'], default: 'identity' }) === 'gzip') {
      c.header('Content-Encoding', 'gzip');
      return c.body(asset.gzip as Uint8Array<ArrayBuffer>, 200);
    }
    return c.body(asset.body as Uint8Array<ArrayBuffer>, 200);
  });

  app.get(`${DOCS_PATH}/overview`, (c) => {
    const doc = document();
    const rows = Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
      Object.entries(ops as Record<string, { summary?: string; description?: string }>).map(
        ([method, op]) =>
          `<tr><td><code>${method.toUpperCase()}</code></td><td><code>${escapeHtml(path)}</code></td>` +
          `<td>${escapeHtml(op.summary ?? '')}${op.description ? `<p>${escapeHtml(op.description)}</p>` : ''}</td></tr>`,
      ),
    );
    const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.info.title)}</title><link rel="icon" href="data:,">
<style>${CSS}</style></head>
<body><h1>${escapeHtml(doc.info.title)}</h1><p>${escapeHtml(doc.info.description ?? '')}</p>
<p>Try each route from <a href="${DOCS_PATH}">the interactive reference</a>. Machine-readable: <a href="${OPENAPI_PATH}">${OPENAPI_PATH}</a> (OpenAPI 3.0). Guide: docs/api.md in the repository.</p>
<table>${rows.join('\n')}</table></body></html>`;
    return htmlWithPolicy(c, html, { styles: [CSS], frameAncestors });
  });
}
