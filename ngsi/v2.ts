/**
 * The NGSI v2 rendering of a lot, the Smart Data Models NGSI v2 normalized shape: a plain id
 * (ids.ts), attributes typed Text / Number / geo:json / DateTime / StructuredValue, and
 * `metadata.TimeInstant` (the observation time) on the live ones.
 *
 * A stale lot: NGSI v2 `append` keeps attributes it is not sent, so the live attributes are sent
 * with the value null (and no TimeInstant): the broker then holds no current-looking count.
 */
import { LIVE_ATTRIBUTES, type NgsiAttribute, type ValueKind } from './attributes.js';
import { ENTITY_TYPE, v2EntityId } from './ids.js';

const V2_TYPES: Readonly<Record<ValueKind, string>> = {
  text: 'Text',
  number: 'Number',
  geo: 'geo:json',
  dateTime: 'DateTime',
  structured: 'StructuredValue',
};

/** The NGSI v2 type of each live attribute, for the null values of a stale lot. */
const LIVE_KINDS: Readonly<Record<(typeof LIVE_ATTRIBUTES)[number], ValueKind>> = {
  availableSpotNumber: 'number',
  occupiedSpotNumber: 'number',
  occupancy: 'number',
  status: 'structured',
  occupancyModified: 'dateTime',
};

export interface V2Attribute {
  type: string;
  value: unknown;
  metadata?: Record<string, { type: string; value: unknown }>;
}
export type V2Entity = { id: string; type: string } & Record<string, V2Attribute | string>;

export function v2Entity(lotId: string, attributes: readonly NgsiAttribute[]): V2Entity {
  const entity: V2Entity = { id: v2EntityId(lotId), type: ENTITY_TYPE };
  for (const attr of attributes) {
    entity[attr.name] = {
      type: V2_TYPES[attr.kind],
      value: attr.value,
      ...(attr.observedAt ? { metadata: { TimeInstant: { type: 'DateTime', value: attr.observedAt } } } : {}),
    };
  }
  for (const name of LIVE_ATTRIBUTES) if (!(name in entity)) entity[name] = { type: V2_TYPES[LIVE_KINDS[name]], value: null };
  return entity;
}
