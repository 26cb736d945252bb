/**
 * A lot (lots file) and its live status (LotStatus) as OffStreetParking attributes, once, in a
 * neutral form that the NGSI-LD and NGSI v2 renderings (ld.ts, v2.ts) take.
 *
 * Stale or unknown never looks current: the vocabulary has no "unknown" status, so a stale lot
 * carries none of the live attributes (availableSpotNumber, occupiedSpotNumber, occupancy,
 * occupancyModified, status): only its static ones and observationDateTime, the time of its last
 * observation.
 */
import type { LotConfig } from '../core/index.js';
import type { Level, LotStatus } from '../protocol/index.js';

export type Language = 'ja' | 'en';

/** What the value is, for the NGSI v2 attribute type and the NGSI-LD rendering. */
export type ValueKind = 'text' | 'number' | 'geo' | 'dateTime' | 'structured';

export interface NgsiAttribute {
  name: string;
  kind: ValueKind;
  value: unknown;
  /** A live attribute: carries the observation time (NGSI-LD observedAt, NGSI v2 TimeInstant). */
  observedAt?: string;
  /** An NGSI-LD date-time written as a JSON-LD typed value `{"@type": "DateTime", "@value"}` (as the SDM example writes observationDateTime). */
  typedInLd?: boolean;
}

/** The lot's status in DATEX II / SDM terms; unknown has none. */
export const SDM_STATUS: Readonly<Record<Level, string | null>> = {
  vacant: 'spacesAvailable',
  crowded: 'almostFull',
  full: 'full',
  unknown: null,
};

/** How manku counts: gate counters in and out (DATEX II OccupancyDetectionType "balancing"). */
export const OCCUPANCY_DETECTION = ['balancing'];

export type NgsiLot = Pick<LotConfig, 'id' | 'name' | 'capacity' | 'location' | 'address' | 'category' | 'url' | 'operator'>;

const other = (language: Language): Language => (language === 'ja' ? 'en' : 'ja');

/** The static attributes, from the lots file. */
function staticAttributes(lot: NgsiLot, language: Language): NgsiAttribute[] {
  const attrs: NgsiAttribute[] = [
    { name: 'name', kind: 'text', value: lot.name[language] },
    { name: 'alternateName', kind: 'text', value: lot.name[other(language)] },
    { name: 'location', kind: 'geo', value: lot.location },
    { name: 'totalSpotNumber', kind: 'number', value: lot.capacity },
    { name: 'occupancyDetectionType', kind: 'structured', value: OCCUPANCY_DETECTION },
  ];
  if (lot.address) attrs.push({ name: 'address', kind: 'structured', value: lot.address[language] });
  if (lot.category) attrs.push({ name: 'category', kind: 'structured', value: lot.category });
  if (lot.url) attrs.push({ name: 'seeAlso', kind: 'text', value: lot.url });
  if (lot.operator) attrs.push({ name: 'provider', kind: 'structured', value: { name: lot.operator[language] } });
  return attrs;
}

/** The live attributes; none while the status is stale. */
function liveAttributes(status: LotStatus): NgsiAttribute[] {
  const observedAt = status.observedAt;
  const sdmStatus = SDM_STATUS[status.level];
  if (status.stale || observedAt === null || sdmStatus === null) return [];
  return [
    { name: 'availableSpotNumber', kind: 'number', value: status.available, observedAt },
    { name: 'occupiedSpotNumber', kind: 'number', value: status.occupied, observedAt },
    { name: 'occupancy', kind: 'number', value: status.occupancy, observedAt },
    { name: 'status', kind: 'structured', value: [sdmStatus], observedAt },
    { name: 'occupancyModified', kind: 'dateTime', value: observedAt },
  ];
}

/**
 * The attributes of a lot with its status, or null for a lot without a location: `location` is
 * required by OffStreetParking, so such a lot is not published on the data platform at all
 * (docs/city-platform.md); it still is in manku's own API.
 */
export function lotAttributes(lot: NgsiLot, status: LotStatus, language: Language = 'ja'): NgsiAttribute[] | null {
  if (!lot.location) return null;
  const observed: NgsiAttribute[] = status.observedAt ? [{ name: 'observationDateTime', kind: 'dateTime', value: status.observedAt, typedInLd: true }] : [];
  return [...staticAttributes(lot, language), ...liveAttributes(status), ...observed];
}

/** The names of the attributes that only a current (not stale) lot carries. */
export const LIVE_ATTRIBUTES = ['availableSpotNumber', 'occupiedSpotNumber', 'occupancy', 'status', 'occupancyModified'] as const;
