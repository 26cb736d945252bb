/**
 * The nudge measurement on the wire (issue 15): the anonymous event the widget sends when it shows
 * the bus suggestion or someone follows it, and the aggregated counts the API serves. An event
 * names no person: no identifier, no cookie, no address, no user agent; the server keeps counts only.
 */
import { z } from 'zod';
import { LocalizedName } from './status.js';

export const NudgeEventKind = z.enum(['shown', 'followed']);
export type NudgeEventKind = z.infer<typeof NudgeEventKind>;
/** A level at which a suggestion can be shown (never unknown: the widget suggests nothing then). */
export const NudgeLevel = z.enum(['vacant', 'crowded', 'full']);
export type NudgeLevel = z.infer<typeof NudgeLevel>;

export const NudgeEvent = z
  .strictObject({
    event: NudgeEventKind,
    /** The lot's level when the suggestion was shown or followed. */
    level: NudgeLevel,
    /** The forecast level at the visitor's arrival, when the widget had one. */
    arrival: NudgeLevel.optional(),
  })
  .meta({ id: 'NudgeEvent', description: 'One bus suggestion shown or followed. Nothing about the visitor: the embedding site is taken from the Origin header.' });
export type NudgeEvent = z.infer<typeof NudgeEvent>;

/** One aggregated count: events of one kind at one level (and arrival level) from one site in one hour. */
export const NudgeCount = z.strictObject({
  lotId: z.string(),
  /** Start of the hour (epoch ms, UTC). */
  hourMs: z.number(),
  event: NudgeEventKind,
  level: NudgeLevel,
  /** The arrival level, or "none" when the widget had no forecast. */
  arrival: z.enum(['vacant', 'crowded', 'full', 'none']),
  /** The embedding site's origin ("https://hospital.example.jp"), "other" past the per-lot cap, "none" without an Origin. */
  origin: z.string(),
  count: z.int().positive(),
});
export type NudgeCount = z.infer<typeof NudgeCount>;

const byLevel = z.strictObject({
  shown: z.int().nonnegative(),
  followed: z.int().nonnegative(),
  /** followed / shown, null when nothing was shown. */
  followRate: z.number().nullable(),
});

export const NudgeStats = z
  .strictObject({
    lotId: z.string(),
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    step: z.enum(['1h', '1d']),
    buckets: z.array(
      z.strictObject({
        /** Start of the bucket (UTC; a day is a UTC day). */
        t: z.iso.datetime({ offset: true }),
        shown: z.int().nonnegative(),
        followed: z.int().nonnegative(),
        byLevel: z.strictObject({ vacant: byLevel, crowded: byLevel, full: byLevel }),
      }),
    ),
  })
  .meta({ id: 'NudgeStats', description: 'Bus suggestions shown and followed, per hour or day, with the follow-up rate by level.' });
export type NudgeStats = z.infer<typeof NudgeStats>;

/** A level at which a lot may suggest the bus: 混 or 満 (never 空, never unknown). */
export const SuggestLevel = z.enum(['crowded', 'full'], { error: 'must be "crowded" or "full" (the bus is never suggested at 空 or without data)' });
export type SuggestLevel = z.infer<typeof SuggestLevel>;

/** When the bus is suggested: the lot's level now is in `now`, or its forecast level at arrival is in `arrival`. */
export const NudgeWhen = z.strictObject({ now: z.array(SuggestLevel), arrival: z.array(SuggestLevel) });
export type NudgeWhen = z.infer<typeof NudgeWhen>;

/**
 * A lot's bus suggestion as the widget needs it (GET /api/v1/lots/{lotId}/nudge-settings): static,
 * from the lots file, so it is fetched once per page and kept out of the live status messages.
 */
export const NudgeSettings = z
  .strictObject({
    lotId: z.string(),
    /** null: the lot names no bus link (a page's `link` attribute may still give one). */
    nudge: z
      .strictObject({
        /** The link, with the campaign parameter already appended. */
        href: z.string().meta({ example: 'https://bus.example.jp/ride?coupon=hospital-2026' }),
        label: LocalizedName,
        when: NudgeWhen,
      })
      .nullable(),
  })
  .meta({ id: 'NudgeSettings', description: "A lot's bus suggestion for the widget: link, label, and the levels (now, at arrival) it is shown at." });
export type NudgeSettings = z.infer<typeof NudgeSettings>;
