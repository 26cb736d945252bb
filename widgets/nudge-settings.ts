/**
 * The lot's bus suggestion (GET /api/v1/lots/{lotId}/nudge-settings), fetched once per page per
 * API and lot, however many widgets show it, when the first of them could suggest the bus; the
 * browser's HTTP cache keeps it across page views.
 */
import type { NudgeSettings } from '../protocol/nudge.js';

export type Nudge = NudgeSettings['nudge'];

const cache = new Map<string, Promise<Nudge | undefined>>();

/** The lot's settings; null when it has none; undefined when they could not be had (asked again next call). */
export function nudgeSettingsFor(base: string, lotId: string): Promise<Nudge | undefined> {
  const key = `${base} ${lotId}`;
  let settings = cache.get(key);
  if (!settings) {
    settings = fetch(`${base}/api/v1/lots/${encodeURIComponent(lotId)}/nudge-settings`, { credentials: 'omit' })
      .then((res) => {
        if (res.ok) return res.json();
        if (res.status === 404) return null; // no such lot, or an API from before the settings
        throw new Error(String(res.status));
      })
      .then((body: NudgeSettings | null) => (typeof body?.nudge?.href === 'string' && body.nudge.when ? body.nudge : null))
      .catch(() => {
        cache.delete(key);
        return undefined;
      });
    cache.set(key, settings);
  }
  return settings;
}
