/**
 * What counts as a refusal, by kind (the fixed set in protocol/ops.ts). The broker's own refusals
 * (credentials, ACL, size) are counted where they are made, and the error handed to aedes is
 * marked so they are not counted again when aedes reports it. Everything else that ends a
 * connection reaches us as aedes' `connectionError` (before CONNECT) or `clientError` event, and
 * refusalOf() tells which of those is a refusal.
 */
import { BROKER_REFUSAL_KINDS, type BrokerRefusalKind } from '../protocol/index.js';

const counted = Symbol('refusal already counted');

/** An error for an aedes callback, for a refusal the caller has already counted. */
export function refusalError<T extends object>(message: string, extra?: T): Error & T {
  return Object.assign(new Error(message), extra, { [counted]: true }) as Error & T;
}

// aedes' wording (lib/client.js, lib/handlers/connect.js).
const CONNECT_TIMEOUT = 'connect did not arrive in time';
/** Connections that end without breaking a rule: the peer went away, or was too slow to read. */
const NOT_REFUSALS = new Set(['keep alive timeout', 'drain timeout', 'connection closed', 'Client queue limit reached']);

/**
 * The refusal an aedes connection or client error stands for, or null when it is none (or was
 * counted already). Socket errors (ECONNRESET, EPIPE: they carry a `code`) are not refusals;
 * what is left is the parser or aedes refusing what the peer sent: garbage, a packet before
 * CONNECT, a malformed packet, an unsupported protocol version.
 * @example refusalOf(new Error('connect did not arrive in time')) // 'connect-timeout'
 */
export function refusalOf(err: Error & { code?: unknown }): BrokerRefusalKind | null {
  if (counted in err) return null;
  if (err.message === CONNECT_TIMEOUT) return 'connect-timeout';
  if (typeof err.code === 'string' || NOT_REFUSALS.has(err.message)) return null;
  return 'protocol-error';
}

/** Every kind at zero, so each one is exported from the start. */
export const noRefusals = (): Record<BrokerRefusalKind, number> =>
  Object.fromEntries(BROKER_REFUSAL_KINDS.map((k) => [k, 0])) as Record<BrokerRefusalKind, number>;
