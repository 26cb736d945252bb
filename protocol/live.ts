/**
 * WebSocket messages on `GET /api/v1/live`. Text frames, one JSON object each.
 *
 * client -> server: {"type":"subscribe","lots":["a","b"]} / {"type":"unsubscribe","lots":["a"]}
 * server -> client: {"type":"status","status":LotStatus} / {"type":"error","code":"...","message":"..."}
 */
import { z } from 'zod';
import { LotStatus } from './status.js';
import { Id } from './topics.js';

/** Largest client frame the server accepts, in bytes. */
export const MAX_LIVE_CLIENT_FRAME = 4096;

const lotList = z.array(Id).min(1).max(100);

export const LiveSubscribe = z.strictObject({ type: z.literal('subscribe'), lots: lotList });
export const LiveUnsubscribe = z.strictObject({ type: z.literal('unsubscribe'), lots: lotList });
export const LiveClientMessage = z.discriminatedUnion('type', [LiveSubscribe, LiveUnsubscribe]).meta({ id: 'LiveClientMessage' });
export type LiveClientMessage = z.infer<typeof LiveClientMessage>;

/** Lots one connection may be subscribed to at once (the default; the server may set another). */
export const MAX_LIVE_LOTS_PER_CLIENT = 100;

export const LiveErrorCode = z.enum(['bad_message', 'unknown_lot', 'too_many_lots', 'rate_limited']);
export type LiveErrorCode = z.infer<typeof LiveErrorCode>;

export const LiveStatusMessage = z.strictObject({ type: z.literal('status'), status: LotStatus });
export const LiveErrorMessage = z.strictObject({
  type: z.literal('error'),
  code: LiveErrorCode,
  message: z.string(),
  /** The lots the error is about (unknown_lot, too_many_lots). */
  lots: z.array(z.string()).optional(),
});
export const LiveServerMessage = z.discriminatedUnion('type', [LiveStatusMessage, LiveErrorMessage]).meta({ id: 'LiveServerMessage' });
export type LiveServerMessage = z.infer<typeof LiveServerMessage>;
