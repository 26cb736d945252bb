/**
 * Where an InfluxDB 1.x database is: parsed from INFLUX_URL, once by the configuration (so a bad
 * URL is a configuration error) and again by the store and the history reader.
 */
import { z } from 'zod';

export interface InfluxTarget {
  protocol: 'http' | 'https';
  host: string;
  port: number;
  database: string;
  username?: string;
  password?: string;
}

export type InfluxUrlResult = { success: true; data: InfluxTarget } | { success: false; error: string };

const EXAMPLE = 'e.g. http://127.0.0.1:8086/manku';

/**
 * The messages never repeat the URL: it may carry a password.
 * @example safeParseInfluxUrl('http://127.0.0.1:8086/manku') // { success: true, data: { protocol: 'http', host: '127.0.0.1', port: 8086, database: 'manku' } }
 * @example safeParseInfluxUrl('http://127.0.0.1:8086/') // { success: false, error: 'must name a database as its path (...), e.g. ...' }
 */
export function safeParseInfluxUrl(url: string): InfluxUrlResult {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { success: false, error: `is not a URL; expected ${EXAMPLE}` };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { success: false, error: `must start with http:// or https://, ${EXAMPLE}` };
  const database = decoded(u.pathname.replace(/^\/+|\/+$/g, ''));
  if (database === null || !/^[A-Za-z0-9_-]+$/.test(database)) {
    return { success: false, error: `must name a database as its path (letters, digits, _ and - only), ${EXAMPLE}` };
  }
  const username = decoded(u.username);
  const password = decoded(u.password);
  if (username === null || password === null) return { success: false, error: 'has a malformed %-escape in its user or password' };
  return {
    success: true,
    data: {
      protocol: u.protocol === 'https:' ? 'https' : 'http',
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : 8086,
      database,
      ...(username ? { username, password } : {}),
    },
  };
}

/** null for a malformed %-escape (decodeURIComponent would throw). */
function decoded(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** As safeParseInfluxUrl, throwing on a bad URL. */
export function parseInfluxUrl(url: string): InfluxTarget {
  const parsed = safeParseInfluxUrl(url);
  if (!parsed.success) throw new Error(`InfluxDB URL ${parsed.error}`);
  return parsed.data;
}

/** A string safeParseInfluxUrl accepts, for configuration schemas: `INFLUX_URL: InfluxUrl.optional()`. */
export const InfluxUrl = z.string().superRefine((url, ctx) => {
  const parsed = safeParseInfluxUrl(url);
  if (!parsed.success) ctx.addIssue({ code: 'custom', message: parsed.error });
});
