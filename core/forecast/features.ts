/**
 * The features a forecast of the change over k slots is made of. Every method, the baselines
 * included, is a weighted sum of them (see METHODS), so all are computed by the same code on the
 * same pairs:
 *   x0 recent change: the mean change from this time of day to k slots later over the last 3 days
 *      of the same type (Helsinki's method alone is y + x0)
 *   x1 pull to the long-run profile at the target: P(target) − y (the profile alone is y + x1)
 *   x2 long-run profile change: P(target) − P(now) (the deviation carried forward is y + x2)
 *   x3 pull to the recent level: (mean of the last 3 same-type days now) − y
 *   x4 momentum: our change over the last slot minus the recent days' change over it
 *   x5 yesterday's change over the same k slots minus the recent change (the week's drift)
 */
import { meanAt, recentAt, type Profile, type Recent } from './profile.js';

export const FEATURES = 6;
const recent: Recent = { level: NaN, change: NaN, lastChange: NaN };

/** 'full': every feature known; 'fallback': no recent day of the type, the long-run profile stands in; null: no profile at that time. */
export type FeatureQuality = 'full' | 'fallback' | null;

/**
 * Fills `x` for a forecast issued at grid slot `slot` of `day` (type `type`), k slots ahead, from the current value `y`
 * and the value one slot before (`yBefore`, NaN when unknown).
 * @param typeOf day number -> day type (0 Sunday … 6 Saturday, holidays 0)
 */
export function featuresAt(p: Profile, typeOf: (day: number) => number, day: number, type: number, slot: number, k: number, y: number, yBefore: number, x: Float64Array): FeatureQuality {
  const S = p.grid.slotsPerDay;
  const targetDay = day + Math.floor((slot + k) / S);
  const targetSlot = (slot + k) % S;
  const pTarget = meanAt(p, typeOf(targetDay), targetSlot);
  const pNow = meanAt(p, type, slot);
  if (Number.isNaN(pTarget) || Number.isNaN(pNow)) return null;
  recentAt(p, type, slot, k, recent);
  const full = !Number.isNaN(recent.change);
  const level = full ? recent.level : pNow;
  const change = full ? recent.change : pTarget - pNow;
  x[0] = change;
  x[1] = pTarget - y;
  x[2] = pTarget - pNow;
  x[3] = level - y;
  x[4] = Number.isNaN(yBefore) || Number.isNaN(recent.lastChange) ? 0 : y - yBefore - recent.lastChange;
  const i = (day - 1 - p.grid.firstDay) * S + slot;
  const a = i >= 0 ? p.grid.pct[i] : undefined;
  const b = i >= 0 ? p.grid.pct[i + k] : undefined;
  x[5] = a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) ? 0 : b - a - change;
  return full ? 'full' : 'fallback';
}
