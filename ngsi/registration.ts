/**
 * The context source registration (ETSI GS CIM 009 §5.2.9 CSourceRegistration) the city posts to
 * its NGSI-LD broker (`POST /ngsi-ld/v1/csourceRegistrations`) so that queries for OffStreetParking
 * reach manku: mode inclusive, read-only operations.
 */
import { ENTITY_TYPE, LD_CONTEXT } from './ids.js';

export interface RegistrationOptions {
  /** manku's public base URL, e.g. https://manku.example.jp (the broker appends /ngsi-ld/v1/...). */
  endpoint: string;
  /** Registration id; default `urn:ngsi-ld:ContextSourceRegistration:manku`. */
  id?: string;
}

export function csourceRegistration({ endpoint, id = 'urn:ngsi-ld:ContextSourceRegistration:manku' }: RegistrationOptions) {
  return {
    id,
    type: 'ContextSourceRegistration',
    registrationName: 'manku',
    description: 'manku: live car-park occupancy (空/混/満) from gate counters, as Smart Data Models OffStreetParking',
    information: [{ entities: [{ type: ENTITY_TYPE }] }],
    endpoint: endpoint.replace(/\/+$/, ''),
    mode: 'inclusive',
    operations: ['retrieveEntity', 'queryEntity'],
    '@context': LD_CONTEXT,
  };
}
