/** Lot status: what ingest publishes (retained) on `parking/v1/{lotId}/status` and the API serves. */
import { z } from 'zod';
import { LiveForecast } from './forecast.js';
import { Id } from './topics.js';

export const Level = z.enum(['vacant', 'crowded', 'full', 'unknown']);
export type Level = z.infer<typeof Level>;

export const Label = z.enum(['空', '混', '満', '—']);
export type Label = z.infer<typeof Label>;

export const LEVEL_LABELS: Readonly<Record<Level, Label>> = {
  vacant: '空',
  crowded: '混',
  full: '満',
  unknown: '—',
};

export function labelOf(level: Level): Label {
  return LEVEL_LABELS[level];
}

export const LocalizedName = z.strictObject({ ja: z.string().min(1), en: z.string().min(1) });
export type LocalizedName = z.infer<typeof LocalizedName>;

const count = z.int().nonnegative();

/** Recent movement of the count (core/trend.ts); DATEX II: increasing / decreasing / stable. */
export const Trend = z.enum(['filling', 'emptying', 'steady']);
export type Trend = z.infer<typeof Trend>;

export const LotStatus = z
  .strictObject({
    lotId: Id,
    name: LocalizedName,
    capacity: z.int().positive(),
    occupied: count,
    available: count,
    occupancy: z.number().min(0).max(1),
    level: Level,
    label: Label,
    /** Receive time of the newest sensor message behind this status; null when none was ever seen. */
    observedAt: z.iso.datetime({ offset: true }).nullable(),
    /** True when any gate of the lot is silent past its stale window: never show 空/混/満 then. */
    stale: z.boolean(),
    /** The lot's IANA time zone (lots file), for showing its times; absent in statuses from before it was added. */
    timeZone: z.string().min(1).optional(),
    /**
     * The lot's offset from UTC at observedAt, in minutes (+540 for Asia/Tokyo): a browser shows the
     * local time of the update with plain arithmetic, without a time-zone database (the first Intl
     * call costs a throttled phone 0.2–0.3 s; docs/widget.md). Absent while observedAt is null.
     */
    utcOffsetMin: z.int().min(-1440).max(1440).optional(),
    /** Net movement over the last 15 minutes, with hysteresis; absent when unknown (stale, or too little data). */
    trend: Trend.optional(),
    /** The occupancy forecast 30 and 60 minutes ahead; added by the API, absent when there is none. */
    forecast: LiveForecast.optional(),
  })
  .refine((s) => s.label === LEVEL_LABELS[s.level], { message: 'label does not match level', path: ['label'] })
  .refine((s) => !s.stale || s.level === 'unknown', { message: 'a stale status must have level unknown', path: ['level'] })
  .meta({ id: 'LotStatus', description: 'A lot\'s live status. Show a level only when stale is false.' });
export type LotStatus = z.infer<typeof LotStatus>;

/** True when two statuses show the same thing (count, level, staleness): a change worth announcing is any other. */
export function sameShown(a: LotStatus, b: LotStatus): boolean {
  return a.occupied === b.occupied && a.level === b.level && a.stale === b.stale && a.capacity === b.capacity;
}

/** True when nothing worth announcing changed: what is shown (sameShown) and the trend. A trend change alone is announced, but not stored as history. */
export function sameAnnounced(a: LotStatus, b: LotStatus): boolean {
  return sameShown(a, b) && a.trend === b.trend;
}
