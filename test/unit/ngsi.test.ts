/** The NGSI pieces that are pure logic: the lots file's place, content negotiation and query parameters, the pending queue, the push request, the NGSI variables. */
import { describe, expect, it } from 'vitest';
import { negotiate, parseEntityQuery } from '../../api/ngsi-ld-request.js';
import { loadEnv } from '../../bin/config.js';
import { ngsiCommand } from '../../bin/ngsi.js';
import { LotsFile } from '../../core/index.js';
import { ldEntityId, lotIdOf, v2EntityId } from '../../ngsi/index.js';
import { createPending, upsertRequest } from '../../push/index.js';
import { FIXTURE_HASH } from '../support/fixtures.js';

const lotWith = (place: Record<string, unknown>) =>
  LotsFile.safeParse({ lots: [{ id: 'lot-a', name: { ja: 'A', en: 'A' }, capacity: 10, sensors: [{ id: 'g1', passwordHash: FIXTURE_HASH }], ...place }] });
const address = { streetAddress: '鶴賀町1-1', addressLocality: '会津若松市', addressRegion: '福島県', postalCode: '965-8555', addressCountry: 'JP' };
const messageOf = (r: ReturnType<typeof lotWith>) => (r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));

describe('the lots file describes the place', () => {
  it('takes location, address, category, url and operator, all optional', () => {
    const r = lotWith({
      location: { type: 'Point', coordinates: [139.93, 37.49] },
      address: { ja: address, en: { ...address, streetAddress: '1-1 Tsurugamachi', addressLocality: 'Aizuwakamatsu', addressRegion: 'Fukushima' } },
      category: ['parkingLot', 'forVisitors'],
      url: 'https://hospital.example.jp/parking',
      operator: { ja: '病院', en: 'Hospital' },
    });
    expect(messageOf(r)).toBe('');
    expect(lotWith({}).success).toBe(true);
  });

  it.each([
    [{ location: { type: 'Point', coordinates: [37.49, 139.93] } }, /latitude must be from -90 to 90 \(GeoJSON is \[lon, lat\]\)/],
    [{ location: { type: 'Point', coordinates: [181, 0] } }, /longitude/],
    [{ location: { type: 'Polygon', coordinates: [0, 0] } }, /location.type/],
    [{ location: { type: 'Point', coordinates: [0, 0], crs: 'x' } }, /Unrecognized key.*crs/],
    [{ address: { ja: address } }, /address.en/],
    [{ address: { ja: { ...address, addressCountry: 'PT' }, en: address } }, /addressCountry/],
    [{ address: { ja: { ...address, postalCode: '9658555' }, en: address } }, /postal code/],
    [{ address: { ja: { ...address, floor: 2 }, en: address } }, /Unrecognized key.*floor/],
    [{ category: ['parkingLot', 'hospital'] }, /category.1/],
    [{ category: ['parkingLot', 'parkingLot'] }, /must not repeat/],
    [{ category: [] }, /category/],
    [{ url: 'ftp://example.jp/' }, /url/],
    [{ operator: 'Hospital' }, /operator/],
    [{ owner: 'x' }, /Unrecognized key.*owner/],
  ])('refuses %j, naming the key', (place, message) => {
    expect(messageOf(lotWith(place))).toMatch(message);
  });
});

describe('entity ids', () => {
  it('NGSI-LD: a URN that maps back to the lot; NGSI v2: the lot id', () => {
    expect(ldEntityId('demo-hospital')).toBe('urn:ngsi-ld:OffStreetParking:demo-hospital');
    expect(lotIdOf(ldEntityId('demo-hospital'))).toBe('demo-hospital');
    expect(lotIdOf('urn:ngsi-ld:ParkingSpot:demo-hospital')).toBeNull();
    expect(v2EntityId('demo-hospital')).toBe('demo-hospital');
  });
});

describe('content negotiation (GS CIM 009 §6.3.4)', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['application/json', false],
    ['*/*', false],
    ['application/*', false],
    ['application/ld+json', true],
    ['text/html, application/ld+json;q=0.8, application/json;q=0.5', true],
    ['application/ld+json;q=0.1, application/json', false],
    ['application/json;q=0, application/ld+json;q=0.2', true],
  ])('%s: JSON-LD in the body is %s', (accept, jsonLd) => {
    expect(negotiate(accept)).toEqual({ ok: true, jsonLd });
  });

  it.each(['text/html', 'application/geo+json', 'application/json;q=0'])('%s: 406', (accept) => {
    const r = negotiate(accept);
    expect(r.ok ? null : r.problem.status).toBe(406);
  });
});

describe('query parameters', () => {
  const parse = (q: string, byId = false) => parseEntityQuery(new URLSearchParams(q), { byId });
  const statusOf = (q: string) => {
    const r = parse(q);
    return r.ok ? 200 : r.problem.status;
  };

  it('defaults: normalized, 20 per page, no count', () => {
    expect(parse('type=OffStreetParking')).toEqual({
      ok: true,
      query: { typeMatches: true, ids: null, idPattern: null, attrs: null, representation: 'normalized', limit: 20, offset: 0, count: false },
    });
  });

  it('format wins over options; simplified is keyValues; sysAttrs is ignored', () => {
    const rep = (q: string) => {
      const r = parse(`type=OffStreetParking&${q}`);
      return r.ok ? r.query.representation : r.problem.status;
    };
    expect([rep('options=keyValues'), rep('options=simplified'), rep('format=normalized&options=keyValues'), rep('options=sysAttrs,keyValues')]).toEqual([
      'keyValues', 'keyValues', 'normalized', 'keyValues',
    ]);
    expect([rep('options=concise'), rep('format=concise'), rep('options=keyValues,normalized'), rep('format=x')]).toEqual([501, 501, 400, 400]);
  });

  it('too wide, bad numbers and q: the right status', () => {
    expect([statusOf(''), statusOf('limit=5'), statusOf('id=urn:x'), statusOf('attrs=status'), statusOf('idPattern=.*')]).toEqual([400, 400, 200, 200, 200]);
    expect([statusOf('type=T&limit=0'), statusOf('type=T&limit=0&count=true'), statusOf('type=T&limit=1000'), statusOf('type=T&limit=1001')]).toEqual([400, 200, 200, 400]);
    expect([statusOf('type=T&q=a>1'), statusOf('type=T&georel=near'), statusOf(`type=T&idPattern=${'a'.repeat(257)}`)]).toEqual([501, 501, 400]);
  });

  it('another type matches nothing; the IRI is ours too', () => {
    const typeOf = (t: string) => {
      const r = parse(`type=${encodeURIComponent(t)}`);
      return r.ok ? r.query.typeMatches : null;
    };
    expect([typeOf('ParkingSpot'), typeOf('ParkingSpot,OffStreetParking'), typeOf('https://smartdatamodels.org/dataModel.Parking/OffStreetParking')]).toEqual([false, true, true]);
  });

  it('retrieve by id needs no type and ignores id and idPattern', () => {
    expect(parse('', true).ok).toBe(true);
    expect(parse('idPattern=(', true).ok).toBe(true);
  });
});

describe('the pending queue (latest status per lot wins)', () => {
  it('keeps one entry per lot, however many changes arrive, and counts the ones replaced', () => {
    const pending = createPending<number>();
    for (let i = 0; i < 1000; i++) pending.put(`lot-${i % 3}`, i);
    expect(pending.size).toBe(3);
    expect(pending.superseded).toBe(997);
    // the latest of each lot, in the order of their latest change
    expect(pending.take(10)).toEqual([
      { lotId: 'lot-1', item: 997 },
      { lotId: 'lot-2', item: 998 },
      { lotId: 'lot-0', item: 999 },
    ]);
  });

  it('take is bounded; a failed batch goes back unless the lot has something newer', () => {
    const pending = createPending<string>();
    pending.put('a', 'a1');
    pending.put('b', 'b1');
    pending.put('c', 'c1');
    const batch = pending.take(2);
    expect(batch.map((b) => b.item)).toEqual(['a1', 'b1']);
    pending.put('b', 'b2'); // arrives while the batch is in flight
    pending.putBack(batch);
    expect(pending.take(10).map((b) => b.item)).toEqual(['a1', 'c1', 'b2']);
    expect(pending.size).toBe(0);
  });
});

describe('the push request', () => {
  const entity = { id: 'x', type: 'OffStreetParking' };

  it('NGSI-LD: upsert (replace), application/ld+json, NGSILD-Tenant, bearer token', () => {
    expect(upsertRequest({ url: 'http://orion:1026/', flavor: 'ld', tenant: 'city', token: 't' }, [entity])).toEqual({
      url: 'http://orion:1026/ngsi-ld/v1/entityOperations/upsert',
      headers: { Authorization: 'Bearer t', 'NGSILD-Tenant': 'city', 'Content-Type': 'application/ld+json' },
      body: JSON.stringify([entity]),
    });
  });

  it('NGSI v2: op/update append, Fiware-Service and Fiware-ServicePath', () => {
    expect(upsertRequest({ url: 'http://orion:1026', flavor: 'v2', tenant: 'city', servicePath: '/parking' }, [entity])).toEqual({
      url: 'http://orion:1026/v2/op/update',
      headers: { 'Fiware-Service': 'city', 'Fiware-ServicePath': '/parking', 'Content-Type': 'application/json' },
      body: JSON.stringify({ actionType: 'append', entities: [entity] }),
    });
  });
});

describe('NGSI environment variables', () => {
  it('defaults: no push, NGSI-LD, Japanese', () => {
    expect(loadEnv({})).toMatchObject({ NGSI_FLAVOR: 'ld', NGSI_LANGUAGE: 'ja', NGSI_TIMEOUT_MS: 5000, PUSH_MQTT_USERNAME: 'demo-push', PUSH_CLIENT_ID: 'manku-ngsi-push' });
    expect(loadEnv({}).NGSI_PUSH_URL).toBeUndefined();
  });

  it.each([
    [{ NGSI_PUSH_URL: 'orion:1026' }, /NGSI_PUSH_URL/],
    [{ NGSI_FLAVOR: 'v3' }, /NGSI_FLAVOR/],
    [{ NGSI_SERVICE_PATH: 'parking' }, /NGSI_SERVICE_PATH: an absolute path/],
    [{ NGSI_TENANT: 'city-1' }, /NGSI_TENANT/],
    [{ NGSI_LANGUAGE: 'fr' }, /NGSI_LANGUAGE/],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => loadEnv(env)).toThrow(message);
  });
});

describe('manku ngsi registration (the command, without a process)', () => {
  it('prints the registration for the endpoint', () => {
    expect(JSON.parse(ngsiCommand(['registration', '--endpoint', 'https://manku.example.jp/', '--id', 'urn:ngsi-ld:ContextSourceRegistration:x']))).toMatchObject({
      id: 'urn:ngsi-ld:ContextSourceRegistration:x',
      endpoint: 'https://manku.example.jp',
      mode: 'inclusive',
    });
  });

  it.each([[[]], [['registration']], [['registration', '--endpoint', 'manku.example.jp']], [['registration', '--endpoint', 'https://x.jp', '--port', '1']], [['registration', '--endpoint', 'https://x.jp', '--id', 'not a uri']]])(
    'refuses %j, saying how to call it',
    (args) => {
      expect(() => ngsiCommand(args)).toThrow(/usage: manku ngsi registration|--id must be a URI/);
    },
  );
});
