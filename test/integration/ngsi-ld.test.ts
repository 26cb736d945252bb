/**
 * The NGSI-LD context source and the GeoJSON route through the real wiring (broker -> ingest ->
 * retained status -> API), every response checked against the ETSI NGSI-LD OAS where it defines
 * one (status, media type, body), keyValues bodies against the SDM OffStreetParking schema.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../api/index.js';
import type { Broker } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import type { Ingest } from '../../ingest/index.js';
import { LD_CONTEXT, SDM_PARKING_CONTEXT } from '../../ngsi/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { waitFor } from '../../testkit/wait.js';
import { ngsiLots } from '../support/ngsi.js';
import { connectClient, counterJson, manualClock, startApi, startBroker, startIngest } from '../support/stack.js';
import { errorsOf, etsiNgsiLd, OAS_JSON_LD, offStreetParkingValidator } from '../support/standards.js';

const oas = etsiNgsiLd();
const sdm = offStreetParkingValidator();
const LOT_A = 'urn:ngsi-ld:OffStreetParking:lot-a';

let lots: LotsFile;
let broker: Broker;
let ingest: Ingest;
let api: Api;
let base: string;
let url: string;

beforeAll(async () => {
  lots = await ngsiLots();
  ({ broker, url } = await startBroker(lots));
  ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-ngsi-ld-')) }));
  ({ api, base } = await startApi(lots, url));
  const gate = await connectClient(url, 'gate-a1');
  await gate.publishAsync('parking/v1/lot-a/gate-a1/counter', counterJson(1, 1, 10, 0), { qos: 1 });
  await gate.endAsync();
  await waitFor(async () => (await (await fetch(`${base}/api/v1/lots/lot-a`)).json()).level === 'full', { what: 'lot-a full (10 of 10)' });
});
afterAll(async () => {
  await api.stop();
  await ingest.stop();
  await broker.stop();
});

interface Answer {
  status: number;
  type: string | null;
  headers: Headers;
  body: any;
}
async function get(path: string, headers: Record<string, string> = {}, method = 'GET', root = base): Promise<Answer> {
  const res = await fetch(root + path, { method, headers });
  return { status: res.status, type: res.headers.get('content-type'), headers: res.headers, body: await res.json() };
}

/** The answer is what the OAS says for this operation and status: its media type's schema, or a status it lists at least. */
function conforms(answer: Answer, path: string, method = 'get') {
  const mediaType = answer.type === 'application/ld+json' ? OAS_JSON_LD : answer.type!.split(';')[0]!;
  expect(oas.lists(path, method, answer.status), `the OAS lists ${answer.status} for ${method.toUpperCase()} ${path}`).toBe(true);
  const validate = oas.response(path, method, answer.status, mediaType);
  expect(validate, `the OAS defines ${mediaType} for ${answer.status}`).not.toBeNull();
  expect(validate!(answer.body), errorsOf(validate!).join('\n')).toBe(true);
}

/** An error: ProblemDetails as the OAS defines it, application/json, with this type. */
function problem(answer: Answer, status: number, type: string) {
  expect([answer.status, answer.type, answer.body.type]).toEqual([status, 'application/json', type]);
  const validate = oas.at('/components/schemas/ProblemDetails');
  expect(validate(answer.body), errorsOf(validate).join('\n')).toBe(true);
  expect(answer.body.detail.length).toBeGreaterThan(10);
}

describe('GET /ngsi-ld/v1/entities', () => {
  it('no Accept: application/json, the @context in a Link header, the lot with a location as a current OffStreetParking', async () => {
    const answer = await get('/ngsi-ld/v1/entities?type=OffStreetParking');
    expect([answer.status, answer.type]).toEqual([200, 'application/json']);
    expect(answer.headers.get('link')).toBe(`<${SDM_PARKING_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`);
    conforms(answer, '/entities');
    expect(answer.body.map((e: { id: string }) => e.id)).toEqual([LOT_A]); // lot-b has no location: not published
    const [entity] = answer.body;
    expect(entity).not.toHaveProperty('@context');
    expect(entity).toMatchObject({
      type: 'OffStreetParking',
      status: { type: 'Property', value: ['full'] },
      availableSpotNumber: { type: 'Property', value: 0 },
      occupiedSpotNumber: { type: 'Property', value: 10 },
      totalSpotNumber: { type: 'Property', value: 10 },
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [139.9318, 37.4912] } },
    });
    const observedAt = (await (await fetch(`${base}/api/v1/lots/lot-a`)).json()).observedAt;
    expect(entity.availableSpotNumber.observedAt).toBe(observedAt);
  });

  it('Accept: application/ld+json: the @context in the body, as application/ld+json', async () => {
    const answer = await get('/ngsi-ld/v1/entities?type=OffStreetParking', { accept: 'application/ld+json' });
    expect([answer.status, answer.type, answer.headers.get('link')]).toEqual([200, 'application/ld+json', null]);
    conforms(answer, '/entities');
    expect(answer.body[0]['@context']).toEqual(LD_CONTEXT);
  });

  it('a preference list is honoured; anything else is 406, as ProblemDetails', async () => {
    expect((await get('/ngsi-ld/v1/entities?type=OffStreetParking', { accept: 'text/html;q=0.9, application/ld+json' })).type).toBe('application/ld+json');
    expect((await get('/ngsi-ld/v1/entities?type=OffStreetParking', { accept: 'application/ld+json;q=0.5, */*' })).type).toBe('application/json');
    const answer = await get('/ngsi-ld/v1/entities?type=OffStreetParking', { accept: 'application/xml' });
    problem(answer, 406, 'about:blank');
  });

  it('options=keyValues (and simplified): attribute name to value, valid against the SDM schema', async () => {
    for (const q of ['options=keyValues', 'options=simplified', 'format=keyValues', 'format=keyValues&options=normalized']) {
      const answer = await get(`/ngsi-ld/v1/entities?type=OffStreetParking&${q}`);
      expect(answer.status).toBe(200);
      const [entity] = answer.body;
      expect(entity.status, q).toEqual(['full']);
      expect(sdm(entity), errorsOf(sdm).join('\n')).toBe(true);
    }
  });

  it('format wins over options; concise is 501', async () => {
    const normalized = await get('/ngsi-ld/v1/entities?type=OffStreetParking&format=normalized&options=keyValues');
    expect(normalized.body[0].status).toEqual({ type: 'Property', value: ['full'], observedAt: expect.any(String) });
    const concise = await get('/ngsi-ld/v1/entities?type=OffStreetParking&options=concise');
    problem(concise, 501, 'about:blank');
    conforms(concise, '/entities');
  });

  it('a query without type, id, idPattern or attrs is too wide: 400 BadRequestData', async () => {
    const answer = await get('/ngsi-ld/v1/entities');
    problem(answer, 400, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
    conforms(answer, '/entities');
    expect(answer.body.detail).toMatch(/type/);
  });

  it.each(['limit=-1', 'limit=1001', 'limit=x', 'offset=-1', 'count=yes', 'limit=0', 'options=fancy', 'idPattern=(', 'format=geojson'])('bad parameter %s: 400 BadRequestData', async (q) => {
    const answer = await get(`/ngsi-ld/v1/entities?type=OffStreetParking&${q}`);
    problem(answer, 400, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
    conforms(answer, '/entities');
  });

  it('q and geo-queries are not evaluated: 501, never an unfiltered answer', async () => {
    problem(await get('/ngsi-ld/v1/entities?type=OffStreetParking&q=availableSpotNumber%3E0'), 501, 'about:blank');
    problem(await get('/ngsi-ld/v1/entities?type=OffStreetParking&georel=near%3BmaxDistance%3D100&geometry=Point&coordinates=%5B139.9%2C37.5%5D'), 501, 'about:blank');
  });

  it('count=true gives NGSILD-Results-Count, also with limit=0; limit and offset page', async () => {
    const counted = await get('/ngsi-ld/v1/entities?type=OffStreetParking&count=true&limit=0');
    expect([counted.status, counted.headers.get('ngsild-results-count'), counted.body]).toEqual([200, '1', []]);
    conforms(counted, '/entities');
    expect((await get('/ngsi-ld/v1/entities?type=OffStreetParking&offset=1&count=true')).body).toEqual([]);
    expect((await get('/ngsi-ld/v1/entities?type=OffStreetParking&limit=1')).body).toHaveLength(1);
    expect((await get('/ngsi-ld/v1/entities?type=OffStreetParking')).headers.get('ngsild-results-count')).toBeNull();
  });

  it('id, idPattern, the type IRI and attrs select; another type matches nothing', async () => {
    expect((await get(`/ngsi-ld/v1/entities?id=${LOT_A},urn:ngsi-ld:OffStreetParking:lot-b`)).body).toHaveLength(1);
    expect((await get('/ngsi-ld/v1/entities?idPattern=lot-.*')).body).toHaveLength(1);
    expect((await get('/ngsi-ld/v1/entities?idPattern=nothing')).body).toEqual([]);
    expect((await get(`/ngsi-ld/v1/entities?type=${encodeURIComponent('https://smartdatamodels.org/dataModel.Parking/OffStreetParking')}`)).body).toHaveLength(1);
    expect((await get('/ngsi-ld/v1/entities?type=ParkingSpot')).body).toEqual([]);
    const picked = await get('/ngsi-ld/v1/entities?attrs=availableSpotNumber,status');
    expect(Object.keys(picked.body[0]).sort()).toEqual(['availableSpotNumber', 'id', 'status', 'type']);
    conforms(picked, '/entities');
    expect((await get('/ngsi-ld/v1/entities?attrs=noSuchAttribute')).body).toEqual([]);
  });
});

describe('GET /ngsi-ld/v1/entities/{id}', () => {
  it('the lot, in each representation', async () => {
    const answer = await get(`/ngsi-ld/v1/entities/${encodeURIComponent(LOT_A)}`, { accept: 'application/ld+json' });
    expect([answer.status, answer.type, answer.body.id]).toEqual([200, 'application/ld+json', LOT_A]);
    conforms(answer, '/entities/{entityId}');
    const keyValues = await get(`/ngsi-ld/v1/entities/${LOT_A}?options=keyValues`);
    expect(sdm(keyValues.body), errorsOf(sdm).join('\n')).toBe(true);
    const picked = await get(`/ngsi-ld/v1/entities/${LOT_A}?attrs=occupancy`);
    expect(Object.keys(picked.body).sort()).toEqual(['id', 'occupancy', 'type']);
  });

  it('an unknown lot, and a lot without a location: 404 ResourceNotFound', async () => {
    for (const id of ['urn:ngsi-ld:OffStreetParking:nope', 'urn:ngsi-ld:OffStreetParking:lot-b', 'urn:ngsi-ld:ParkingSpot:lot-a']) {
      const answer = await get(`/ngsi-ld/v1/entities/${encodeURIComponent(id)}`);
      problem(answer, 404, 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound');
      conforms(answer, '/entities/{entityId}');
    }
    expect((await get('/ngsi-ld/v1/entities/urn:ngsi-ld:OffStreetParking:lot-b')).body.detail).toMatch(/no location/);
  });

  it('an id that is no URI: 400 BadRequestData', async () => {
    const answer = await get('/ngsi-ld/v1/entities/lot-a');
    problem(answer, 400, 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
    conforms(answer, '/entities/{entityId}');
  });
});

describe('writes and other paths', () => {
  it.each([
    ['POST', '/ngsi-ld/v1/entities'],
    ['PATCH', `/ngsi-ld/v1/entities/${LOT_A}/attrs`],
    ['DELETE', `/ngsi-ld/v1/entities/${LOT_A}`],
    ['POST', '/ngsi-ld/v1/entityOperations/upsert'],
  ])('%s %s: 422 OperationNotSupported', async (method, path) => {
    problem(await get(path, { 'content-type': 'application/json' }, method), 422, 'https://uri.etsi.org/ngsi-ld/errors/OperationNotSupported');
  });

  it('GET of another NGSI-LD resource: 404 ResourceNotFound', async () => {
    problem(await get('/ngsi-ld/v1/types'), 404, 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound');
  });

  it('the OpenAPI document describes the NGSI-LD and GeoJSON routes', async () => {
    const doc = (await get('/api/v1/openapi.json')).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/ngsi-ld/v1/entities', '/ngsi-ld/v1/entities/{entityId}', '/api/v1/lots.geojson']));
    expect(doc.paths['/ngsi-ld/v1/entities'].get.description).toMatch(/ETSI GS CIM 009/);
  });
});

describe('stale or unknown never looks current', () => {
  it('once the lot is past its stale window, the entity has no live attributes, only the time of its last observation', async () => {
    const clock = manualClock();
    const { api: later, base: laterBase } = await startApi(lots, url, clock);
    try {
      let fresh = await get(`/ngsi-ld/v1/entities/${LOT_A}`, {}, 'GET', laterBase);
      await waitFor(async () => (fresh = await get(`/ngsi-ld/v1/entities/${LOT_A}`, {}, 'GET', laterBase)).body.status !== undefined, { what: 'the retained status at the new API' });
      expect(fresh.body.status.value).toEqual(['full']);
      clock.advance(180_000 + 15_000 + 1000); // staleAfterS + the API's grace
      const stale = await get(`/ngsi-ld/v1/entities/${LOT_A}`, {}, 'GET', laterBase);
      for (const name of ['availableSpotNumber', 'occupiedSpotNumber', 'occupancy', 'status', 'occupancyModified']) expect(stale.body, name).not.toHaveProperty(name);
      expect(stale.body.observationDateTime.value['@value']).toBe(fresh.body.occupancyModified.value);
      conforms(stale, '/entities/{entityId}');
      const keyValues = await get(`/ngsi-ld/v1/entities/${LOT_A}?options=keyValues`, {}, 'GET', laterBase);
      expect(sdm(keyValues.body), errorsOf(sdm).join('\n')).toBe(true);
    } finally {
      await later.stop();
    }
  });
});

describe('GET /api/v1/lots.geojson', () => {
  it('a FeatureCollection of the lots with a location, LotStatus (+ url) as properties, as application/geo+json', async () => {
    const answer = await get('/api/v1/lots.geojson');
    expect([answer.status, answer.type]).toEqual([200, 'application/geo+json']);
    expect(answer.body.type).toBe('FeatureCollection');
    expect(answer.body.features).toHaveLength(1);
    const [feature] = answer.body.features;
    const status = await (await fetch(`${base}/api/v1/lots/lot-a`)).json();
    expect(feature).toEqual({
      type: 'Feature',
      id: 'lot-a',
      geometry: { type: 'Point', coordinates: [139.9318, 37.4912] },
      properties: { ...status, url: 'https://hospital.example.jp/access/parking' },
    });
    expect(answer.headers.get('access-control-allow-origin')).toBe('*'); // maps on other sites may load it
  });
});
