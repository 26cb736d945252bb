/**
 * `GET /api/v1/lots.geojson`: the lots with a location as a GeoJSON FeatureCollection (RFC 7946),
 * properties = LotStatus (+ `url`), for Leaflet, MapLibre or QGIS to load as is.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { GeoPoint, type LotConfig } from '../../core/index.js';
import { LotStatus } from '../../protocol/index.js';
import type { StatusFeed } from '../status-feed.js';

export interface GeoJsonRouteDeps {
  lots: readonly Pick<LotConfig, 'id' | 'location' | 'url'>[];
  feed: Pick<StatusFeed, 'get'>;
}

const LotFeature = z
  .object({
    type: z.literal('Feature'),
    id: z.string(),
    geometry: GeoPoint,
    properties: z.object({ ...LotStatus.shape, url: z.string().optional().meta({ description: "a page about the car park (lots file)" }) }),
  })
  .meta({ id: 'LotFeature' });

export const LotFeatureCollection = z
  .object({ type: z.literal('FeatureCollection'), features: z.array(LotFeature) })
  .meta({ id: 'LotFeatureCollection', description: 'RFC 7946 FeatureCollection: each lot with a location, its live status as properties' });

export function registerGeoJsonRoute(app: OpenAPIHono, { lots, feed }: GeoJsonRouteDeps) {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/api/v1/lots.geojson',
    summary: 'Lots with a location as GeoJSON, for maps',
    description: 'Lots without a location in the lots file are left out. Show a level only when properties.stale is false.',
    responses: { 200: { description: 'A FeatureCollection', content: { 'application/geo+json': { schema: LotFeatureCollection } } } },
  });
  app.get('/api/v1/lots.geojson', (c) => {
    const features = lots.flatMap((lot) => {
      const status = feed.get(lot.id);
      if (!lot.location || !status) return [];
      return [{ type: 'Feature' as const, id: lot.id, geometry: lot.location, properties: { ...status, ...(lot.url ? { url: lot.url } : {}) } }];
    });
    return c.body(JSON.stringify({ type: 'FeatureCollection', features }), 200, { 'Content-Type': 'application/geo+json' });
  });
}
