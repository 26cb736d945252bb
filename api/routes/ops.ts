/** Operations: liveness, readiness, Prometheus metrics. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { requireBearer } from '../bearer.js';
import type { IngestHealthBoard } from '../ingest-health.js';
import type { Metrics } from '../metrics.js';
import type { PushHealthBoard } from '../push-health.js';
import { Readiness } from '../schemas.js';

export interface OpsRouteDeps {
  brokerConnected: () => boolean;
  board: IngestHealthBoard;
  /** The NGSI push: a failing one makes the API degraded (200), never not ready. */
  pushes: PushHealthBoard;
  metrics: Metrics;
  /** When set, /metrics needs `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  now: () => number;
}

export function registerOpsRoutes(app: OpenAPIHono, { brokerConnected, board, pushes, metrics, metricsToken, now }: OpsRouteDeps) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process is up',
      responses: { 200: { content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } }, description: 'Alive' } },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: broker reachable, an ingest connected, its store writing or buffering; degraded (still 200) while the NGSI push fails',
      responses: {
        200: { content: { 'application/json': { schema: Readiness } }, description: 'Ready' },
        503: { content: { 'application/json': { schema: Readiness } }, description: 'Not ready; `reasons` says why' },
      },
    }),
    (c) => {
      const broker = brokerConnected();
      const reasons = [...(broker ? [] : ['API is not connected to the MQTT broker']), ...board.problems()];
      const ingest = board.all().map((v) => ({
        clientId: v.health.clientId,
        running: v.health.running,
        ageS: Math.round((now() - v.receivedAtMs) / 100) / 10,
        ...(v.health.store ? { store: v.health.store.state } : {}),
        ...(v.health.partition ? { partition: v.health.partition } : {}),
      }));
      const warnings = pushes.warnings();
      const push = pushes.all().map((v) => ({ clientId: v.health.clientId, running: v.health.running, ...(v.health.state ? { state: v.health.state } : {}), pending: v.health.pending ?? 0 }));
      const status = reasons.length ? ('not_ready' as const) : warnings.length ? ('degraded' as const) : ('ready' as const);
      const body = { status, reasons, broker, ingest, ...(push.length ? { push, warnings } : {}) };
      return reasons.length ? c.json(body, 503) : c.json(body, 200);
    },
  );

  if (metricsToken) app.use('/metrics', requireBearer({ token: metricsToken, realm: 'manku metrics', setting: 'METRICS_TOKEN' }));
  app.get('/metrics', async (c) => {
    try {
      return c.text(await metrics.text(), 200, { 'Content-Type': metrics.registry.contentType });
    } catch (err) {
      return c.text(`metrics of every API worker are not available: ${(err as Error).message}\n`, 503);
    }
  });
}
