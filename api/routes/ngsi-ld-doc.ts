/** The OpenAPI description of manku's NGSI-LD routes; the normative text is ETSI GS CIM 009 V1.7.1. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../ngsi-ld-request.js';

const SPEC = 'ETSI GS CIM 009 V1.7.1 (NGSI-LD API)';
// Links live in externalDocs: the /docs page for people shows no external resources.
const externalDocs = { description: SPEC, url: 'https://www.etsi.org/deliver/etsi_gs/CIM/001_099/009/01.07.01_60/gs_CIM009v010701p.pdf' };

export const ProblemDetails = z
  .object({
    type: z.string().meta({ example: 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound' }),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
  })
  .meta({ id: 'ProblemDetails', description: 'RFC 7807 problem details, as NGSI-LD uses them (GS CIM 009 §5.5.2); always application/json' });

const NgsiLdEntity = z
  .looseObject({
    id: z.string().meta({ example: 'urn:ngsi-ld:OffStreetParking:demo-hospital' }),
    type: z.literal('OffStreetParking'),
  })
  .meta({
    id: 'NgsiLdOffStreetParking',
    description:
      'A lot as a Smart Data Models OffStreetParking entity (dataModel.Parking). ' +
      'Attributes: name, alternateName, location, address, category, seeAlso, provider, totalSpotNumber, occupancyDetectionType, ' +
      'observationDateTime, and while the lot is current availableSpotNumber, occupiedSpotNumber, occupancy, status, occupancyModified. ' +
      'See docs/city-platform.md.',
  });

const representation = {
  options: z.string().optional().meta({ description: 'keyValues or simplified (attribute name → value), normalized (default); concise is not supported (501)' }),
  format: z.string().optional().meta({ description: 'normalized, keyValues or simplified; wins over options' }),
};
const accept = z.string().optional().meta({ description: 'application/json (the @context in a Link header; the default) or application/ld+json (the @context in the body); anything else: 406' });

const problem = (description: string) => ({ description, content: { 'application/json': { schema: ProblemDetails } } });
const entities = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema }, 'application/ld+json': { schema } },
});

export function documentNgsiLd(app: OpenAPIHono) {
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/ngsi-ld/v1/entities',
    tags: ['NGSI-LD'],
    summary: 'NGSI-LD Query Entities: lots as OffStreetParking',
    externalDocs,
    description: `§5.7.2 of ${SPEC}. Read-only context source for the city's broker. Give at least one of type, id, idPattern or attrs. q and geo-queries are not evaluated (501).`,
    request: {
      query: z.object({
        type: z.string().optional().meta({ example: 'OffStreetParking', description: 'OffStreetParking or its IRI; other types match nothing' }),
        id: z.string().optional().meta({ description: 'comma-separated entity ids' }),
        idPattern: z.string().optional().meta({ description: 'regular expression on entity ids' }),
        attrs: z.string().optional().meta({ description: 'comma-separated attribute names: only entities with one of them, only those attributes' }),
        limit: z.string().optional().meta({ description: `page size, 0 to ${MAX_LIMIT} (0 only with count=true); default ${DEFAULT_LIMIT}` }),
        offset: z.string().optional().meta({ description: 'entities to skip' }),
        count: z.string().optional().meta({ description: 'true: the total number of matches in the NGSILD-Results-Count header' }),
        ...representation,
      }),
      headers: z.object({ accept }),
    },
    responses: {
      200: { ...entities(z.array(NgsiLdEntity), 'The matching entities, in lots-file order'), headers: { 'NGSILD-Results-Count': { schema: { type: 'integer' }, description: 'with count=true' } } },
      400: problem('BadRequestData: a query without type, id, idPattern or attrs, or a bad parameter'),
      406: problem('An Accept header manku cannot satisfy'),
      501: problem('An unsupported representation (concise) or query feature (q, geo-query)'),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/ngsi-ld/v1/entities/{entityId}',
    tags: ['NGSI-LD'],
    summary: 'NGSI-LD Retrieve Entity: one lot as OffStreetParking',
    externalDocs,
    description: `§5.7.1 of ${SPEC}. The id is urn:ngsi-ld:OffStreetParking:{lotId}.`,
    request: {
      params: z.object({ entityId: z.string().meta({ param: { name: 'entityId', in: 'path' }, example: 'urn:ngsi-ld:OffStreetParking:demo-hospital' }) }),
      query: z.object({ attrs: z.string().optional().meta({ description: 'comma-separated attribute names to return' }), ...representation }),
      headers: z.object({ accept }),
    },
    responses: {
      200: entities(NgsiLdEntity, 'The entity'),
      400: problem('BadRequestData: not a URI, or a bad parameter'),
      404: problem('ResourceNotFound: no such lot, or a lot without a location'),
      406: problem('An Accept header manku cannot satisfy'),
      501: problem('An unsupported representation'),
    },
  });
  for (const method of ['post', 'patch', 'put', 'delete'] as const) {
    app.openAPIRegistry.registerPath({
      method,
      path: '/ngsi-ld/v1/entities/{entityId}',
      tags: ['NGSI-LD'],
      summary: 'Not supported: manku is a read-only context source',
      request: { params: z.object({ entityId: z.string().meta({ param: { name: 'entityId', in: 'path' } }) }) },
      responses: { 422: problem('OperationNotSupported') },
    });
  }
}
