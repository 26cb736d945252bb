/**
 * NGSI-LD renderings of a lot (ETSI GS CIM 009 V1.7.1 §4.5): normalized (each attribute an object
 * with `type` Property/GeoProperty, `value`, `observedAt`) and keyValues / simplified (attribute
 * name to value). The `@context` goes in the body only for application/ld+json (§6.3.5).
 */
import { ENTITY_TYPE, LD_CONTEXT, ldEntityId } from './ids.js';
import type { NgsiAttribute } from './attributes.js';

export type LdRepresentation = 'normalized' | 'keyValues';
export type LdEntity = { id: string; type: string; '@context'?: readonly string[] } & Record<string, unknown>;

function normalizedValue(attr: NgsiAttribute): Record<string, unknown> {
  const value = attr.typedInLd ? { '@type': 'DateTime', '@value': attr.value } : attr.value;
  return {
    type: attr.kind === 'geo' ? 'GeoProperty' : 'Property',
    value,
    ...(attr.observedAt ? { observedAt: attr.observedAt } : {}),
  };
}

export interface LdOptions {
  representation?: LdRepresentation;
  /** Only these attributes (NGSI-LD `attrs`); all when absent. */
  attrs?: readonly string[] | null;
  /** Put the @context in the body (application/ld+json). */
  withContext?: boolean;
}

/** One lot as an NGSI-LD entity. */
export function ldEntity(lotId: string, attributes: readonly NgsiAttribute[], { representation = 'normalized', attrs = null, withContext = false }: LdOptions = {}): LdEntity {
  const entity: LdEntity = { id: ldEntityId(lotId), type: ENTITY_TYPE };
  for (const attr of attributes) {
    if (attrs && !attrs.includes(attr.name)) continue;
    entity[attr.name] = representation === 'keyValues' ? attr.value : normalizedValue(attr);
  }
  if (withContext) entity['@context'] = LD_CONTEXT;
  return entity;
}
