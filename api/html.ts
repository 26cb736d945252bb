/** HTML helpers for the API's pages. */
import type { Context } from 'hono';
import { pagePolicy, type PagePolicyOptions } from './page-policy.js';

/** Escapes text for HTML element content and attribute values. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An HTML page with its Content-Security-Policy (ws:/wss: of the Host it was asked for). */
export function htmlWithPolicy(c: Context, html: string, policy: Omit<PagePolicyOptions, 'host'>) {
  c.header('Content-Security-Policy', pagePolicy({ ...policy, host: new URL(c.req.url).host }));
  return c.html(html);
}
