/**
 * A request whose handler has not answered within `ms` gets 503 `handler_timeout` (the handler
 * may still finish; its answer is dropped). A backstop for a slow store or broker: a client is
 * told, instead of holding a connection open without end.
 */
import type { MiddlewareHandler } from 'hono';
import { errorBody } from './errors.js';

export function handlerTimeout({ ms, onTimeout }: { ms: number; onTimeout?: () => void }): MiddlewareHandler {
  if (ms <= 0) return (_c, next) => next();
  return async function handlerTimeout(c, next) {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<true>((resolve) => {
      timer = setTimeout(() => resolve(true), ms);
    });
    try {
      // race() handles a later rejection of next(), so nothing goes unhandled after a timeout.
      if (await Promise.race([next().then(() => false as const), expired])) {
        onTimeout?.();
        c.res = c.json(errorBody('handler_timeout', `no answer within ${ms} ms; try again shortly`), 503, { 'Retry-After': '1' });
      }
    } finally {
      clearTimeout(timer);
    }
  };
}
