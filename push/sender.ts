/**
 * Sends what is pending to the city's broker: one request in flight, every lot waiting in it (up
 * to `maxBatch`), the latest entity per lot. On 5xx, a timeout or a connection error the batch goes
 * back (unless a newer entity of a lot came meanwhile) and is retried after a backoff that doubles
 * from `minRetryMs` to `maxRetryMs`; on 4xx it is dropped, counted and logged (rate-limited):
 * sending it again cannot succeed.
 */
import pino, { type Logger } from 'pino';
import { createRateGate, systemClock, type Clock } from '../core/index.js';
import type { LdEntity, V2Entity } from '../ngsi/index.js';
import { createPending } from './pending.js';
import { upsertRequest, type Target } from './request.js';

export type Entity = LdEntity | V2Entity;

export interface SenderOptions {
  target: Target;
  timeoutMs?: number;
  minRetryMs?: number;
  maxRetryMs?: number;
  maxBatch?: number;
  clock?: Clock;
  logger?: Logger;
}

export interface SenderStats {
  state: 'idle' | 'sending' | 'retrying';
  pending: number;
  requests: { delivered: number; failed: number; rejected: number };
  entities: number;
  superseded: number;
  lastError: string | null;
  lastDeliveredAt: string | null;
}

export interface Sender {
  put(lotId: string, entity: Entity): void;
  stats(): SenderStats;
  /** Aborts a request in flight and stops retrying. */
  stop(): void;
}

type Outcome = { kind: 'delivered' } | { kind: 'failed' | 'rejected'; error: string };

export function createSender({
  target,
  timeoutMs = 5000,
  minRetryMs = 250,
  maxRetryMs = 10_000,
  maxBatch = 100,
  clock = systemClock,
  logger = pino({ level: 'silent' }),
}: SenderOptions): Sender {
  const log = logger.child({ component: 'ngsi-push' });
  const gate = createRateGate({ perWindow: 5 });
  const pending = createPending<Entity>();
  const requests = { delivered: 0, failed: 0, rejected: 0 };
  let state: SenderStats['state'] = 'idle';
  let entities = 0;
  let lastError: string | null = null;
  let lastDeliveredAt: string | null = null;
  let delay = minRetryMs;
  let retryTimer: NodeJS.Timeout | null = null;
  let inFlight: AbortController | null = null;
  let stopped = false;

  function warn(kind: string, fields: Record<string, unknown>, message: string) {
    const { pass, suppressed } = gate.check(kind, clock.now());
    if (pass) log.warn({ ...fields, ...(suppressed ? { suppressed } : {}) }, message);
  }

  async function send(batch: ReadonlyArray<{ item: Entity }>): Promise<Outcome> {
    const request = upsertRequest(target, batch.map((b) => b.item));
    const controller = new AbortController();
    inFlight = controller;
    const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      const res = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: controller.signal });
      const text = await res.text();
      if (res.status === 207) return { kind: 'rejected', error: `207 Multi-Status: ${text.slice(0, 300)}` }; // some entities refused
      if (res.ok) return { kind: 'delivered' };
      const error = `${res.status} ${res.statusText}: ${text.slice(0, 300)}`;
      return { kind: res.status >= 500 ? 'failed' : 'rejected', error };
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause;
      return { kind: 'failed', error: controller.signal.aborted ? String((controller.signal.reason as Error)?.message ?? 'aborted') : (cause?.message ?? (err as Error).message) };
    } finally {
      clearTimeout(timer);
      inFlight = null;
    }
  }

  async function pump(): Promise<void> {
    if (stopped || state !== 'idle' || pending.size === 0) return;
    const batch = pending.take(maxBatch);
    state = 'sending';
    const outcome = await send(batch);
    if (stopped) return;
    if (outcome.kind === 'delivered') {
      requests.delivered += 1;
      entities += batch.length;
      lastDeliveredAt = new Date(clock.now()).toISOString();
      lastError = null;
      delay = minRetryMs;
      state = 'idle';
      return pump();
    }
    lastError = outcome.error;
    if (outcome.kind === 'rejected') {
      requests.rejected += 1;
      warn('rejected', { lots: batch.map((b) => b.lotId), err: outcome.error }, 'the NGSI broker refused the upsert; dropped (fix the request, not a retry)');
      state = 'idle';
      return pump();
    }
    requests.failed += 1;
    pending.putBack(batch);
    warn('failed', { err: outcome.error, retryInMs: delay, pending: pending.size }, 'NGSI push failed; retrying');
    state = 'retrying';
    retryTimer = setTimeout(() => {
      retryTimer = null;
      state = 'idle';
      void pump();
    }, delay);
    delay = Math.min(maxRetryMs, delay * 2);
  }

  return {
    put(lotId, entity) {
      pending.put(lotId, entity);
      void pump();
    },
    stats: () => ({ state, pending: pending.size, requests: { ...requests }, entities, superseded: pending.superseded, lastError, lastDeliveredAt }),
    stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      inFlight?.abort(new Error('stopping'));
    },
  };
}
