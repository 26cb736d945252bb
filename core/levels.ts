/**
 * Occupancy -> level with hysteresis, in the style of DATEX II ParkingThresholds:
 * separate increasing and decreasing thresholds, in percent of capacity, so a lot
 * hovering at a threshold does not flap between 混 and 空 with every car.
 */
import { z } from 'zod';

export const Thresholds = z
  .strictObject({
    /** 混 (crowded) from this percentage upward... */
    almostFullIncreasing: z.number().min(0).max(100).default(80),
    /** ...until occupancy falls below this one. */
    almostFullDecreasing: z.number().min(0).max(100).default(75),
    /** 満 (full) from this percentage upward... */
    fullIncreasing: z.number().min(0).max(100).default(95),
    /** ...until occupancy falls below this one. */
    fullDecreasing: z.number().min(0).max(100).default(90),
  })
  .refine((t) => t.almostFullDecreasing <= t.almostFullIncreasing, {
    message: 'almostFullDecreasing must be <= almostFullIncreasing',
    path: ['almostFullDecreasing'],
  })
  .refine((t) => t.fullDecreasing <= t.fullIncreasing, {
    message: 'fullDecreasing must be <= fullIncreasing',
    path: ['fullDecreasing'],
  })
  .refine((t) => t.almostFullIncreasing <= t.fullIncreasing && t.almostFullDecreasing <= t.fullDecreasing, {
    message: 'almost-full thresholds must not exceed the full thresholds',
    path: ['fullIncreasing'],
  });
export type Thresholds = z.infer<typeof Thresholds>;

export const DEFAULT_THRESHOLDS: Thresholds = Thresholds.parse({});

export type KnownLevel = 'vacant' | 'crowded' | 'full';

/**
 * The level after a change of occupancy, given the level before it (null: none yet).
 * @example nextLevel('full', 92, DEFAULT_THRESHOLDS) // 'full' (still above fullDecreasing 90)
 */
export function nextLevel(previous: KnownLevel | null, percent: number, t: Thresholds): KnownLevel {
  switch (previous) {
    case 'full':
      if (percent >= t.fullDecreasing) return 'full';
      return percent >= t.almostFullDecreasing ? 'crowded' : 'vacant';
    case 'crowded':
      if (percent >= t.fullIncreasing) return 'full';
      return percent >= t.almostFullDecreasing ? 'crowded' : 'vacant';
    default:
      if (percent >= t.fullIncreasing) return 'full';
      return percent >= t.almostFullIncreasing ? 'crowded' : 'vacant';
  }
}
