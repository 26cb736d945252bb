/** What the NGSI push (push/) tells the API about itself on `manku/v1/push/{clientId}/health` (retained). */
import { z } from 'zod';

const counter = z.int().nonnegative();

export const PushHealth = z.object({
  clientId: z.string(),
  running: z.boolean(),
  /** When the push sent this (ISO 8601); absent in the last-will message. */
  at: z.iso.datetime().optional(),
  /** NGSI-LD or NGSI v2. */
  flavor: z.enum(['ld', 'v2']).optional(),
  /** idle: nothing to send; sending: a request in flight; retrying: the last request failed, waiting to retry. */
  state: z.enum(['idle', 'sending', 'retrying']).optional(),
  /** Lots with a status waiting to be sent (at most one per lot). */
  pending: counter.optional(),
  /** Requests by outcome: delivered (2xx), failed (5xx, timeout, connection: retried), rejected (4xx: dropped). */
  requests: z.object({ delivered: counter, failed: counter, rejected: counter }).optional(),
  /** Entities delivered. */
  entities: counter.optional(),
  /** Statuses replaced by a newer one of the same lot before they were sent. */
  superseded: counter.optional(),
  lastError: z.string().nullable().optional(),
  /** When the last request was delivered (ISO 8601), null before the first. */
  lastDeliveredAt: z.iso.datetime().nullable().optional(),
});
export type PushHealth = z.infer<typeof PushHealth>;
