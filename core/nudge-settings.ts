/**
 * A lot's bus suggestion in the lots file (issue 15 item 1, docs/nudge.md): the link, its label,
 * an optional campaign parameter for the city's coupon app, and the levels it is shown at.
 */
import { z } from 'zod';
import { SuggestLevel, type NudgeSettings, type NudgeWhen } from '../protocol/index.js';

/** Today's rule when a lot does not say: 混 or 満, now or at arrival. */
export const DEFAULT_NUDGE_WHEN: NudgeWhen = { now: ['crowded', 'full'], arrival: ['crowded', 'full'] };

const levels = z.array(SuggestLevel).refine((list) => new Set(list).size === list.length, 'must not repeat a level');

/** Inside a `when`, a list left out means "not on this basis": `{ "now": ["full"] }` is 満 now only. */
export const NudgeWhenConfig = z
  .strictObject({ now: levels.default([]), arrival: levels.default([]) })
  .refine((w) => w.now.length + w.arrival.length > 0, 'must name a level in "now" or "arrival"; leave out "nudge" for no suggestion');

const labelText = z.string().trim().min(1, 'must not be empty').max(40, 'must be at most 40 characters (a button label)');

export const NudgeCampaign = z.strictObject({
  /** The query parameter's name, e.g. `coupon`. */
  param: z.string().regex(/^[A-Za-z0-9._~-]{1,40}$/, 'must be 1 to 40 letters, digits or . _ ~ -'),
  /** Its value, URL-encoded when appended. */
  value: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
});
export type NudgeCampaign = z.infer<typeof NudgeCampaign>;

export const LotNudge = z
  .strictObject({
    /** The bus app or timetable. */
    url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL, e.g. https://bus.example.jp/' }),
    label: z.strictObject({ ja: labelText, en: labelText }),
    campaign: NudgeCampaign.optional(),
    when: NudgeWhenConfig.default(DEFAULT_NUDGE_WHEN),
  })
  .superRefine((nudge, ctx) => {
    if (nudge.campaign && new URL(nudge.url).searchParams.has(nudge.campaign.param)) {
      ctx.addIssue({ code: 'custom', path: ['campaign', 'param'], message: `the url already has the query parameter "${nudge.campaign.param}": give it in one place` });
    }
  });
export type LotNudge = z.infer<typeof LotNudge>;

/**
 * The url with the campaign parameter appended before any fragment, the url's own query kept byte
 * for byte (URLSearchParams would re-encode it). `withCampaign('https://b.jp/r?x=1#t', { param:
 * 'coupon', value: 'a b' })` is `https://b.jp/r?x=1&coupon=a%20b#t`.
 */
export function withCampaign(url: string, campaign: NudgeCampaign | undefined): string {
  if (!campaign) return url;
  const hash = url.indexOf('#');
  const head = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? '' : url.slice(hash);
  const joiner = !head.includes('?') ? '?' : /[?&]$/.test(head) ? '' : '&';
  return `${head}${joiner}${encodeURIComponent(campaign.param)}=${encodeURIComponent(campaign.value)}${fragment}`;
}

/** What the widget gets (protocol NudgeSettings.nudge): the finished link, the label, the rule. */
export function nudgeSettingsOf(nudge: LotNudge | undefined): NudgeSettings['nudge'] {
  if (!nudge) return null;
  return { href: withCampaign(nudge.url, nudge.campaign), label: nudge.label, when: nudge.when };
}
