/** Entity ids and the vocabulary's names and contexts. */

export const ENTITY_TYPE = 'OffStreetParking';
/** The type's full IRI (the Smart Data Models Parking @context maps the short name to it). */
export const ENTITY_TYPE_IRI = 'https://smartdatamodels.org/dataModel.Parking/OffStreetParking';
/** The Smart Data Models Parking @context, as the SDM examples name it. */
export const SDM_PARKING_CONTEXT = 'https://raw.githubusercontent.com/smart-data-models/dataModel.Parking/master/context.jsonld';
/** The ETSI NGSI-LD core @context (GS CIM 009 V1.7.1). */
export const NGSI_LD_CORE_CONTEXT = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.7.jsonld';
/** The @context of manku's entities in a JSON-LD body: the vocabulary's, then the core's. */
export const LD_CONTEXT = [SDM_PARKING_CONTEXT, NGSI_LD_CORE_CONTEXT] as const;

const LD_PREFIX = `urn:ngsi-ld:${ENTITY_TYPE}:`;

/**
 * The NGSI-LD entity id of a lot (as in the SDM examples).
 * @example ldEntityId('demo-hospital') // 'urn:ngsi-ld:OffStreetParking:demo-hospital'
 */
export const ldEntityId = (lotId: string) => `${LD_PREFIX}${lotId}`;

/** The lot id of an NGSI-LD entity id, or null when it is not one of ours. */
export function lotIdOf(entityId: string): string | null {
  return entityId.startsWith(LD_PREFIX) ? entityId.slice(LD_PREFIX.length) : null;
}

/**
 * The NGSI v2 entity id of a lot: the lot id itself, a plain id as in the SDM NGSI v2 examples
 * (v2 ids are not URNs; the type and the Fiware-Service/ServicePath scope it).
 * @example v2EntityId('demo-hospital') // 'demo-hospital'
 */
export const v2EntityId = (lotId: string) => lotId;

/** Whether a `type` query value names OffStreetParking, by short name or IRI. */
export const isOurType = (type: string) => type === ENTITY_TYPE || type === ENTITY_TYPE_IRI;
