/**
 * NGSI-LD context source, read-only (ETSI GS CIM 009 V1.7.1 §5.7.1 Retrieve Entity, §5.7.2 Query
 * Entities): every lot with a location as a Smart Data Models OffStreetParking entity, live.
 * Errors are ProblemDetails, always application/json (§5.5.2, §6.3.2). docs/city-platform.md.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ldEntity, ldEntityId, lotAttributes, lotIdOf, SDM_PARKING_CONTEXT, type Language, type LdEntity, type NgsiLot } from '../../ngsi/index.js';
import { negotiate, parseEntityQuery, problem, type EntityQuery, type ProblemDetails } from '../ngsi-ld-request.js';
import type { StatusFeed } from '../status-feed.js';
import { documentNgsiLd } from './ngsi-ld-doc.js';

export interface NgsiLdRouteDeps {
  lots: readonly NgsiLot[];
  feed: Pick<StatusFeed, 'get'>;
  /** The language of name, address and operator (the other name goes to alternateName). */
  language: Language;
}

const CONTEXT_LINK = `<${SDM_PARKING_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`;

const answerProblem = (c: Context, p: ProblemDetails) => c.json(p, p.status);

export function registerNgsiLdRoutes(app: OpenAPIHono, { lots, feed, language }: NgsiLdRouteDeps) {
  /** A lot as an entity, or null when it has no location (not published on the data platform). */
  function entityOf(lot: NgsiLot, query: EntityQuery, jsonLd: boolean): LdEntity | null {
    const status = feed.get(lot.id);
    const attributes = status ? lotAttributes(lot, status, language) : null;
    if (!attributes) return null;
    if (query.attrs && !attributes.some((a) => query.attrs!.includes(a.name))) return null;
    return ldEntity(lot.id, attributes, { representation: query.representation, attrs: query.attrs, withContext: jsonLd });
  }

  function send(c: Context, body: unknown, jsonLd: boolean, headers: Record<string, string> = {}) {
    c.header('Vary', 'Accept');
    for (const [name, value] of Object.entries(headers)) c.header(name, value);
    if (jsonLd) return c.body(JSON.stringify(body), 200, { 'Content-Type': 'application/ld+json' });
    c.header('Link', CONTEXT_LINK);
    return c.json(body, 200);
  }

  app.get('/ngsi-ld/v1/entities', (c) => {
    const accept = negotiate(c.req.header('Accept'));
    if (!accept.ok) return answerProblem(c, accept.problem);
    const parsed = parseEntityQuery(new URL(c.req.url).searchParams);
    if (!parsed.ok) return answerProblem(c, parsed.problem);
    const { query } = parsed;
    const matching = query.typeMatches === false ? [] : lots.filter((lot) => {
      const id = ldEntityId(lot.id);
      return (!query.ids || query.ids.includes(id)) && (!query.idPattern || query.idPattern.test(id));
    });
    const entities = matching.map((lot) => entityOf(lot, query, accept.jsonLd)).filter((e): e is LdEntity => e !== null);
    const page = entities.slice(query.offset, query.offset + query.limit);
    return send(c, page, accept.jsonLd, query.count ? { 'NGSILD-Results-Count': String(entities.length) } : {});
  });

  app.get('/ngsi-ld/v1/entities/:entityId', (c) => {
    const accept = negotiate(c.req.header('Accept'));
    if (!accept.ok) return answerProblem(c, accept.problem);
    const parsed = parseEntityQuery(new URL(c.req.url).searchParams, { byId: true });
    if (!parsed.ok) return answerProblem(c, parsed.problem);
    const entityId = c.req.param('entityId');
    if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(entityId)) {
      return answerProblem(c, problem(400, `"${entityId}" is not an entity id (a URI such as ${ldEntityId('demo-hospital')})`, 'BadRequestData'));
    }
    const lot = lots.find((l) => l.id === lotIdOf(entityId));
    const notFound = problem(404, `no entity ${entityId}; GET /ngsi-ld/v1/entities?type=OffStreetParking lists them`, 'ResourceNotFound');
    if (!lot || parsed.query.typeMatches === false) return answerProblem(c, notFound);
    // Retrieve returns the entity even when none of `attrs` is present (then just id and type).
    const entity = entityOf(lot, { ...parsed.query, attrs: null }, accept.jsonLd);
    if (!entity) return answerProblem(c, { ...notFound, detail: `${entityId} has no location in the lots file, so it is not published as OffStreetParking` });
    const picked = parsed.query.attrs ? ldEntity(lot.id, [], { withContext: accept.jsonLd }) : entity;
    if (parsed.query.attrs) for (const name of parsed.query.attrs) if (name in entity) picked[name] = entity[name];
    return send(c, picked, accept.jsonLd);
  });

  // A context source registered in inclusive mode is read-only here (§4.3.6.2).
  app.on(['POST', 'PUT', 'PATCH', 'DELETE'], '/ngsi-ld/*', (c) =>
    answerProblem(c, problem(422, `${c.req.method} ${c.req.path}: manku is a read-only context source; it serves GET /ngsi-ld/v1/entities and /ngsi-ld/v1/entities/{id}`, 'OperationNotSupported')),
  );
  app.get('/ngsi-ld/*', (c) =>
    answerProblem(c, problem(404, `${c.req.path}: manku serves only GET /ngsi-ld/v1/entities and /ngsi-ld/v1/entities/{id}`, 'ResourceNotFound')),
  );

  documentNgsiLd(app);
}
