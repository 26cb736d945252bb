/** Request and response schemas of the HTTP API, for validation and the OpenAPI document. */
import { z } from 'zod';
import { HistoryStep, MAX_HISTORY_POINTS } from '../core/index.js';
import { ID_PATTERN, SensorReference } from '../protocol/index.js';

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: 'lot_not_found' }),
      message: z.string().meta({ example: 'no lot "x"; GET /api/v1/lots lists the lots' }),
    }),
  })
  .meta({ id: 'Error' });

export const LotParams = z.object({
  lotId: z
    .string()
    .regex(ID_PATTERN, "lotId must use lower-case letters, digits and '-', 1 to 64 characters")
    .meta({ param: { name: 'lotId', in: 'path' }, example: 'demo-hospital' }),
});

// In a URL query '+' means a space, so the offset's '+' must be sent as %2B.
const isoTime = z.iso.datetime({
  offset: true,
  message: 'must be an ISO 8601 date-time with a zone, e.g. 2026-11-25T00:00:00Z; in a URL write + as %2B: 2026-11-25T09:00:00%2B09:00',
});

export const HistoryQuery = z.object({
  from: isoTime.optional().meta({ description: 'start (inclusive); default: 24 h before `to`', example: '2026-11-24T00:00:00+09:00' }),
  to: isoTime.optional().meta({ description: 'end (exclusive); default: now', example: '2026-11-25T00:00:00+09:00' }),
  step: HistoryStep.default('15m').meta({ description: `bucket size; at most ${MAX_HISTORY_POINTS} buckets per request` }),
});

export const HistoryResponse = z
  .object({
    lotId: z.string(),
    step: HistoryStep,
    points: z.array(
      z.object({
        t: z.string().meta({ description: 'bucket start (UTC, aligned to the step)' }),
        occupied: z.int(),
        available: z.int(),
        level: z.enum(['vacant', 'crowded', 'full', 'unknown']),
      }),
    ),
  })
  .meta({ id: 'History', description: 'The lot\'s state at the end of each bucket; buckets before the first observation are left out.' });

export const CalibrationBody = z.strictObject({ occupied: z.int().nonnegative().meta({ example: 120 }) }).meta({ id: 'CalibrationRequest' });

export const CalibrationResponse = z
  .object({ lotId: z.string(), occupied: z.int(), previous: z.int().meta({ description: 'the raw count just before' }) })
  .meta({ id: 'CalibrationResult' });

export const SensorParams = LotParams.extend({
  sensorId: z
    .string()
    .regex(ID_PATTERN, "sensorId must use lower-case letters, digits and '-', 1 to 64 characters")
    .meta({ param: { name: 'sensorId', in: 'path' }, example: 'demo-gate-1' }),
});

export const SensorResetResponse = z
  .object({
    lotId: z.string(),
    sensorId: z.string(),
    previous: SensorReference.nullable().meta({ description: 'the reference it had (null: none yet)' }),
  })
  .meta({ id: 'SensorResetResult' });

export const Readiness = z
  .object({
    status: z.enum(['ready', 'degraded', 'not_ready']).meta({ description: 'degraded: ready (200), but the NGSI push is failing; see warnings' }),
    reasons: z.array(z.string()),
    broker: z.boolean(),
    ingest: z.array(z.object({ clientId: z.string(), running: z.boolean(), ageS: z.number(), store: z.string().optional() })),
    /** Present when an NGSI push has reported. */
    push: z.array(z.object({ clientId: z.string(), running: z.boolean(), state: z.string().optional(), pending: z.int() })).optional(),
    warnings: z.array(z.string()).optional(),
  })
  .meta({ id: 'Readiness' });

export const ForecastQuery = z.object({
  in: z
    .string()
    .regex(/^\d{1,3}[mh]?(,\d{1,3}[mh]?){0,11}$/, 'must be a comma-separated list of up to 12 horizons like 30m,60m or 1h (minutes when no unit)')
    .optional()
    .meta({ description: 'horizons after now, 1 to 180 minutes; default 30m,60m', example: '30m,60m' }),
  at: isoTime.optional().meta({ description: 'instead of `in`: one time, 1 to 180 minutes from now', example: '2026-11-26T10:30:00+09:00' }),
});

export const NoForecastBody = ErrorBody.extend({
  reason: z.string().meta({ example: 'not enough history: 9 days with data (at least 2 h each); a forecast needs 14' }),
}).meta({ id: 'NoForecast' });
