/**
 * The occupancy forecast on the wire: the short form carried by a live status (30 and 60 minutes
 * ahead) and the body of `GET /api/v1/lots/{lotId}/forecast`. Produced by the API from the lot's
 * trained model (core/forecast); see docs/forecast.md.
 */
import { z } from 'zod';

const count = z.int().nonnegative();
const isoTime = z.iso.datetime({ offset: true });
/** The level the lot's thresholds give the forecast occupancy (never unknown: no forecast is given then). */
export const ForecastLevel = z.enum(['vacant', 'crowded', 'full']);

const pointFields = {
  /** The time the point is for. */
  at: isoTime,
  occupied: count,
  available: count,
  level: ForecastLevel,
  /** Band: 80 % of the model's past forecasts at this horizon ended within [low, high] vehicles. */
  low: count,
  high: count,
};

export const LiveForecastPoint = z.strictObject({ inMin: z.int().min(1).max(180), ...pointFields });
export type LiveForecastPoint = z.infer<typeof LiveForecastPoint>;

export const LiveForecast = z
  .strictObject({ issuedAt: isoTime, points: z.array(LiveForecastPoint).min(1) })
  .meta({ id: 'LiveForecast', description: 'The forecast 30 and 60 minutes ahead (points it cannot give are left out); absent when there is none.' });
export type LiveForecast = z.infer<typeof LiveForecast>;

export const ForecastPointBody = z.strictObject({
  ...pointFields,
  /** Minutes after issuedAt. */
  inMin: z.number().positive(),
  /** The model's mean absolute error at this horizon on its own walk-forward training pairs, in percentage points of capacity. */
  maePct: z.number().nonnegative(),
});

export const ForecastBody = z
  .strictObject({
    lotId: z.string(),
    issuedAt: isoTime,
    points: z.array(ForecastPointBody),
    /** Horizons asked for that got no point, and why (never a made-up number). */
    skipped: z.array(z.strictObject({ inMin: z.number(), reason: z.string() })).optional(),
    basis: z.strictObject({
      method: z.literal('manku'),
      /** The stored history the model was trained on. */
      trainedFrom: isoTime,
      trainedTo: isoTime,
      /** maePct of the farthest point. */
      maePct: z.number().nonnegative(),
    }),
  })
  .meta({ id: 'Forecast', description: "A lot's occupancy forecast from its own history and its current count." });
export type ForecastBody = z.infer<typeof ForecastBody>;
