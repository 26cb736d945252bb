import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_NUDGE_WHEN, LotConfig, LotNudge, nudgeSettingsOf, withCampaign } from '../../core/index.js';
import { NudgeSettings } from '../../protocol/index.js';
import { SUGGEST_WHEN } from '../../widgets/arrival.js';
import { FIXTURE_HASH } from '../support/fixtures.js';

const label = { ja: 'バスで行く', en: 'Go by bus' };
const lot = (nudge: unknown) => ({
  id: 'lot-a',
  name: { ja: 'A', en: 'A' },
  capacity: 10,
  sensors: [{ id: 'gate-a1', passwordHash: FIXTURE_HASH }],
  nudge,
});

/** Each issue as "path: message", the path from the lot down (what the start-up error names). */
function problems(nudge: unknown): string[] {
  const r = LotConfig.safeParse(lot(nudge));
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('a lot\'s nudge block in the lots file', () => {
  it('takes a url and label, with today\'s rule (混 or 満, now or at arrival) when "when" is left out', () => {
    const parsed = LotConfig.parse(lot({ url: 'https://bus.example.jp/ride', label }));
    expect(parsed.nudge).toEqual({ url: 'https://bus.example.jp/ride', label, when: { now: ['crowded', 'full'], arrival: ['crowded', 'full'] } });
  });

  it("defaults to the widget's own rule for a link given by the page", () => {
    expect(DEFAULT_NUDGE_WHEN).toEqual(SUGGEST_WHEN);
  });

  it('is optional: a lot without one has none', () => {
    expect(LotConfig.parse(lot(undefined)).nudge).toBeUndefined();
    expect(nudgeSettingsOf(undefined)).toBeNull();
  });

  it('reads a list left out of "when" as "not on this basis"', () => {
    expect(LotNudge.parse({ url: 'http://bus.example.jp/', label, when: { now: ['full'] } }).when).toEqual({ now: ['full'], arrival: [] });
    expect(LotNudge.parse({ url: 'http://bus.example.jp/', label, when: { arrival: ['crowded'] } }).when).toEqual({ now: [], arrival: ['crowded'] });
  });

  it('refuses bad blocks, naming the path and what to fix', () => {
    const ok = { url: 'https://bus.example.jp/', label };
    expect(problems({ ...ok, url: 'ftp://bus.example.jp/' })).toEqual(['nudge.url: must be an http or https URL, e.g. https://bus.example.jp/']);
    expect(problems({ ...ok, url: 'bus.example.jp' })).toEqual(['nudge.url: must be an http or https URL, e.g. https://bus.example.jp/']);
    expect(problems({ ...ok, label: { ja: '  ', en: 'Go' } })).toEqual(['nudge.label.ja: must not be empty']);
    expect(problems({ ...ok, label: { ja: 'バス', en: 'x'.repeat(41) } })).toEqual(['nudge.label.en: must be at most 40 characters (a button label)']);
    expect(problems({ ...ok, label: { ja: 'バス' } })).toEqual([expect.stringMatching(/^nudge\.label\.en: /)]);
    expect(problems({ ...ok, when: { now: ['vacant'] } })).toEqual(['nudge.when.now.0: must be "crowded" or "full" (the bus is never suggested at 空 or without data)']);
    expect(problems({ ...ok, when: { now: ['full', 'full'] } })).toEqual(['nudge.when.now: must not repeat a level']);
    expect(problems({ ...ok, when: {} })).toEqual(['nudge.when: must name a level in "now" or "arrival"; leave out "nudge" for no suggestion']);
    expect(problems({ ...ok, when: { now: [], arrival: [] } })).toHaveLength(1);
    expect(problems({ ...ok, when: { now: ['full'], later: ['full'] } })).toEqual([expect.stringMatching(/^nudge\.when: .*later/)]);
    expect(problems({ ...ok, campaign: { param: 'cou pon', value: 'x' } })).toEqual(['nudge.campaign.param: must be 1 to 40 letters, digits or . _ ~ -']);
    expect(problems({ ...ok, campaign: { param: 'coupon', value: '' } })).toEqual(['nudge.campaign.value: must not be empty']);
    expect(problems({ ...ok, campaign: { param: 'coupon' } })).toEqual([expect.stringMatching(/^nudge\.campaign\.value: /)]);
    expect(problems({ ...ok, colour: 'red' })).toEqual([expect.stringMatching(/^nudge: .*colour/)]);
  });

  it('refuses a campaign parameter the url already carries', () => {
    expect(problems({ url: 'https://bus.example.jp/?coupon=old', label, campaign: { param: 'coupon', value: 'new' } })).toEqual([
      'nudge.campaign.param: the url already has the query parameter "coupon": give it in one place',
    ]);
  });

  it('gives the widget the link with its campaign, the label and the rule, in the wire shape', () => {
    const nudge = LotNudge.parse({ url: 'https://bus.example.jp/ride?from=hospital', label, campaign: { param: 'coupon', value: 'hospital-2026' }, when: { now: ['full'] } });
    const settings = nudgeSettingsOf(nudge);
    expect(settings).toEqual({ href: 'https://bus.example.jp/ride?from=hospital&coupon=hospital-2026', label, when: { now: ['full'], arrival: [] } });
    expect(NudgeSettings.parse({ lotId: 'lot-a', nudge: settings }).nudge).toEqual(settings);
  });
});

describe('the campaign parameter appended to the link', () => {
  const coupon = { param: 'coupon', value: 'hospital-2026' };
  it('starts a query when the url has none', () => {
    expect(withCampaign('https://bus.example.jp/ride', coupon)).toBe('https://bus.example.jp/ride?coupon=hospital-2026');
  });

  it('joins an existing query with &, keeping its bytes as they are', () => {
    expect(withCampaign('https://bus.example.jp/ride?stop=%E7%97%85%E9%99%A2+%E5%89%8D', coupon)).toBe(
      'https://bus.example.jp/ride?stop=%E7%97%85%E9%99%A2+%E5%89%8D&coupon=hospital-2026',
    );
    expect(withCampaign('https://bus.example.jp/ride?', coupon)).toBe('https://bus.example.jp/ride?coupon=hospital-2026');
    expect(withCampaign('https://bus.example.jp/ride?a=1&', coupon)).toBe('https://bus.example.jp/ride?a=1&coupon=hospital-2026');
  });

  it('goes before a fragment, with or without a query', () => {
    expect(withCampaign('https://bus.example.jp/ride#times', coupon)).toBe('https://bus.example.jp/ride?coupon=hospital-2026#times');
    expect(withCampaign('https://bus.example.jp/ride?a=1#t?x&y', coupon)).toBe('https://bus.example.jp/ride?a=1&coupon=hospital-2026#t?x&y');
  });

  it('URL-encodes the value, so a browser reads back exactly what was configured', () => {
    const value = '病院 2026/&=#?+%';
    const href = withCampaign('https://bus.example.jp/ride?a=1#top', { param: 'c', value });
    const url = new URL(href);
    expect(url.searchParams.get('c')).toBe(value);
    expect(url.searchParams.get('a')).toBe('1');
    expect(url.hash).toBe('#top');
  });

  it('leaves the url alone without a campaign', () => {
    expect(withCampaign('https://bus.example.jp/ride?a=1#t', undefined)).toBe('https://bus.example.jp/ride?a=1#t');
  });
});

// The wire schema stays in step with the lots-file schema's output (a refactor of one would break this).
it('every parsed nudge block fits the wire schema', () => {
  const wire = NudgeSettings.shape.nudge.unwrap();
  for (const when of [undefined, { now: ['full'] }, { arrival: ['crowded', 'full'] }]) {
    expect(wire.safeParse(nudgeSettingsOf(LotNudge.parse({ url: 'https://b.example.jp/', label, when })))).toMatchObject({ success: true });
  }
  expect(z.toJSONSchema(NudgeSettings)).toBeTruthy();
});
