/** `GET /docs`: a small human page listing the API, made from the OpenAPI document (no CDN, no script). */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { escapeHtml, htmlWithPolicy } from '../html.js';

const CSS = `body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:.5rem;vertical-align:top}
td p{margin:.25rem 0 0;color:#555;font-size:.9em}code{background:#f4f4f4;padding:0 .2em}`;

export function registerDocsPage(
  app: OpenAPIHono,
  document: () => { info: { title: string; description?: string }; paths?: object },
  { frameAncestors }: { frameAncestors?: string } = {},
) {
  app.get('/docs', (c) => {
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
<p>Machine-readable: <a href="/api/v1/openapi.json">/api/v1/openapi.json</a> (OpenAPI 3.0). Guide: docs/api.md in the repository.</p>
<table>${rows.join('\n')}</table></body></html>`;
    return htmlWithPolicy(c, html, { styles: [CSS], frameAncestors });
  });
}
