/** GET /api/v1/lots/{lotId}/nudge-settings through app.request(): the lots file's nudge as the widget gets it. */
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { createApp, createStatusFeed } from '../../api/index.js';
import { NUDGE_SETTINGS_CACHE } from '../../api/routes/nudge-settings.js';
import { LotsFile } from '../../core/index.js';
import { NudgeSettings } from '../../protocol/index.js';
import { FIXTURE_HASH } from '../support/fixtures.js';

const lotsFile = LotsFile.parse({
  lots: [
    {
      id: 'lot-a',
      name: { ja: 'A', en: 'A' },
      capacity: 10,
      sensors: [{ id: 'g1', passwordHash: FIXTURE_HASH }],
      nudge: {
        url: 'https://bus.example.jp/ride?from=hospital#now',
        label: { ja: 'オンデマンドバス', en: 'On-demand bus' },
        campaign: { param: 'coupon', value: 'hospital 2026' },
        when: { now: ['full'] },
      },
    },
    { id: 'lot-b', name: { ja: 'B', en: 'B' }, capacity: 10, sensors: [{ id: 'g2', passwordHash: FIXTURE_HASH }] },
  ],
});
const app = createApp({ feed: createStatusFeed({ lots: lotsFile }), lots: lotsFile.lots });

describe('GET /api/v1/lots/{lotId}/nudge-settings', () => {
  it("gives the lot's link with its campaign, its label and its rule, cacheable", async () => {
    const res = await app.request('/api/v1/lots/lot-a/nudge-settings');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe(NUDGE_SETTINGS_CACHE);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const body = NudgeSettings.parse(await res.json());
    expect(body).toEqual({
      lotId: 'lot-a',
      nudge: {
        href: 'https://bus.example.jp/ride?from=hospital&coupon=hospital%202026#now',
        label: { ja: 'オンデマンドバス', en: 'On-demand bus' },
        when: { now: ['full'], arrival: [] },
      },
    });
  });

  it('says null for a lot without a nudge block, 404 for no such lot, 400 for a malformed id', async () => {
    expect(await (await app.request('/api/v1/lots/lot-b/nudge-settings')).json()).toEqual({ lotId: 'lot-b', nudge: null });
    const missing = await app.request('/api/v1/lots/lot-z/nudge-settings');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'lot_not_found', message: expect.stringMatching(/no lot "lot-z"/) } });
    expect((await app.request('/api/v1/lots/LOT%20A/nudge-settings')).status).toBe(400);
  });

  it('is in a valid OpenAPI document, with the NudgeSettings schema', async () => {
    const doc = (await (await app.request('/api/v1/openapi.json')).json()) as Record<string, any>;
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    const route = doc.paths['/api/v1/lots/{lotId}/nudge-settings'].get;
    expect(Object.keys(route.responses)).toEqual(expect.arrayContaining(['200', '400', '404']));
    expect(route.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/NudgeSettings' });
    expect(doc.components.schemas.NudgeSettings.properties.nudge.properties.when.properties.now.items.enum).toEqual(['crowded', 'full']);
  });
});
