/**
 * The Content-Security-Policy of the API's HTML pages (/, /embed/{lotId}, /docs): nothing but our
 * own script, our own connections (the widget's fetches and WebSocket, Swagger UI's "Try it out"),
 * the inline styles named by their hashes (CSP Level 3, §8.3 hash-source) and, on /docs, our own
 * stylesheet.
 */
import { createHash } from 'node:crypto';

export interface PagePolicyOptions {
  /** Texts of the inline <style> elements the page may have. */
  styles?: readonly string[];
  /** The page loads stylesheets from this server (`style-src 'self'`): /docs, Swagger UI's CSS. */
  stylesheets?: boolean;
  /** CSP `frame-ancestors` sources; `*` (any site may frame the page) unless FRAME_ANCESTORS is set. */
  frameAncestors?: string;
  /** The Host the page was asked for: its ws:// and wss:// are listed beside 'self'. */
  host?: string;
}

/** `'sha256-…'` of a text, as CSP wants it (base64 of the digest of its UTF-8 bytes). */
export const sha256Source = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** A Host header value that is safe to put in the policy (no `;`, no spaces). */
const plainHost = (host: string | undefined) => (host && /^[a-z0-9.-]+(:\d+)?$|^\[[0-9a-f:.]+\](:\d+)?$/i.test(host) ? host : undefined);

/**
 * @example pagePolicy({ styles: [css], host: 'manku.example.jp' })
 * // "default-src 'none'; script-src 'self'; style-src 'sha256-…'; connect-src 'self' ws://manku.example.jp wss://manku.example.jp; …"
 */
export function pagePolicy({ styles = [], stylesheets = false, frameAncestors = '*', host }: PagePolicyOptions = {}): string {
  const h = plainHost(host);
  const style = [...(stylesheets ? ["'self'"] : []), ...[...new Set(styles)].map(sha256Source)];
  // 'self' covers same-host ws:/wss: in CSP3, but not in Safari before 16 (2022): name them too.
  const connect = ["'self'", ...(h ? [`ws://${h}`, `wss://${h}`] : [])];
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src ${style.length ? style.join(' ') : "'none'"}`,
    `connect-src ${connect.join(' ')}`,
    // data: for the empty icon (<link rel="icon" href="data:,">) that spares a /favicon.ico 404
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors}`,
  ].join('; ');
}
