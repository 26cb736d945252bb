/** The one HTTP error envelope: every error body is `{"error": {"code", "message"}}`, the message saying what to fix. */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

/** An error response; typed `never` so handlers keep their declared success types. */
export function fail(c: Context, status: ContentfulStatusCode, code: string, message: string): never {
  return c.json(errorBody(code, message), status) as never;
}
