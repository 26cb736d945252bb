/**
 * manku's OffStreetParking entities checked against the standards' own files (no hand-typed
 * shapes): the Smart Data Models JSON Schema (keyValues), the SDM normalized examples (NGSI-LD and
 * NGSI v2: attribute names and value types), and the ETSI NGSI-LD OAS (entities, the context
 * source registration). Reads test/fixtures/standards/, so it lives with the integration tests.
 */
import { describe, expect, it } from 'vitest';
import { DEMO_LOTS_FILE, loadLotsFile } from '../../bin/config.js';
import { LotsFile, PARKING_CATEGORIES } from '../../core/index.js';
import { csourceRegistration, ldEntity, lotAttributes, SDM_STATUS, v2Entity } from '../../ngsi/index.js';
import { LEVEL_LABELS, type Level, type LotStatus } from '../../protocol/index.js';
import { FIXTURE_HASH } from '../support/fixtures.js';
import { errorsOf, etsiNgsiLd, OAS_JSON_LD, offStreetParkingSchema, offStreetParkingValidator, sdmExample } from '../support/standards.js';

const demo = loadLotsFile(DEMO_LOTS_FILE);
/** The demo lot, plus a bare one with only what the lots file requires and a location. */
const lots = LotsFile.parse({
  lots: [
    ...demo.lots,
    { id: 'bare', name: { ja: '最小', en: 'Bare' }, capacity: 1, location: { type: 'Point', coordinates: [139.93, 37.49] }, sensors: [{ id: 'g-bare', passwordHash: FIXTURE_HASH }] },
  ],
}).lots;

const AT = '2026-11-26T01:02:03.000Z';
function status(lotId: string, capacity: number, level: Level, occupied: number, { stale = false, observedAt = AT as string | null } = {}): LotStatus {
  return {
    lotId, name: { ja: 'x', en: 'x' }, capacity, occupied, available: capacity - occupied, occupancy: occupied / capacity,
    level: stale ? 'unknown' : level, label: LEVEL_LABELS[stale ? 'unknown' : level], observedAt, stale,
  };
}
/** Every lot in every state a status can be in. */
const cases = lots.flatMap((lot) => [
  ['vacant', status(lot.id, lot.capacity, 'vacant', 0)],
  ['crowded', status(lot.id, lot.capacity, 'crowded', Math.floor(lot.capacity * 0.8))],
  ['full', status(lot.id, lot.capacity, 'full', lot.capacity)],
  ['stale', status(lot.id, lot.capacity, 'vacant', 1 % lot.capacity, { stale: true })],
  ['never observed', status(lot.id, lot.capacity, 'unknown', 0, { stale: true, observedAt: null })],
].map(([what, s]) => ({ name: `${lot.id} ${what as string}`, lot, status: s as LotStatus })));

const attributesOf = (c: (typeof cases)[number]) => lotAttributes(c.lot, c.status)!;
const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

describe('Smart Data Models OffStreetParking/schema.json', () => {
  const validate = offStreetParkingValidator();

  it.each(cases)('$name, in keyValues form without @context, validates', (c) => {
    const { '@context': _, ...entity } = ldEntity(c.lot.id, attributesOf(c), { representation: 'keyValues', withContext: true });
    expect(validate(entity), errorsOf(validate).join('\n')).toBe(true);
  });

  it('the schema would catch what we guard against (the validator is not a rubber stamp)', () => {
    const entity = ldEntity('x', attributesOf(cases[0]!), { representation: 'keyValues' });
    expect(validate({ ...entity, status: 'full' })).toBe(false); // must be an array
    expect(validate({ ...entity, totalSpotNumber: 0 })).toBe(false);
    const { location: _, ...withoutLocation } = entity;
    expect(validate(withoutLocation)).toBe(false); // hence lots without a location are not published
  });

  it('status values and categories are within the schema\'s enums', () => {
    const properties = offStreetParkingSchema().allOf.at(-1).properties;
    for (const value of Object.values(SDM_STATUS)) if (value !== null) expect(properties.status.items.enum).toContain(value);
    expect([...PARKING_CATEGORIES].sort()).toEqual([...properties.category.items.enum].sort());
    expect(properties.occupancyDetectionType.items.enum).toContain('balancing');
  });
});

describe('the SDM normalized examples', () => {
  const ldExample = sdmExample('example-normalized.jsonld');
  const v2Example = sdmExample('example-normalized.json');
  const full = cases.find((c) => c.name === 'demo-hospital full')!;

  it('NGSI-LD normalized: every attribute the example has too, with the same attribute type and value type', () => {
    const entity = ldEntity(full.lot.id, attributesOf(full));
    const shared = Object.keys(entity).filter((k) => k in ldExample && !['id', 'type'].includes(k));
    // Ours not in this example come from the schema's common definitions (GSMA-Commons).
    expect(Object.keys(entity).filter((k) => !(k in ldExample)).sort()).toEqual(['alternateName', 'occupancyDetectionType', 'provider', 'seeAlso', 'status']);
    expect(shared.length).toBeGreaterThanOrEqual(9);
    for (const name of shared) {
      const ours = entity[name] as Record<string, unknown>;
      const theirs = ldExample[name] as Record<string, unknown>;
      expect([name, ours.type, jsonType(ours.value)]).toEqual([name, theirs.type, jsonType(theirs.value)]);
      if (jsonType(theirs.value) === 'object' && '@type' in (theirs.value as object)) expect(Object.keys(ours.value as object).sort()).toEqual(Object.keys(theirs.value as object).sort());
    }
    expect(entity.id).toMatch(/^urn:ngsi-ld:OffStreetParking:/);
    expect(ldExample.id).toMatch(/^urn:ngsi-ld:OffStreetParking:/);
  });

  it('NGSI v2: the same attribute types as the example (Number, Text, geo:json, DateTime, StructuredValue), a plain id', () => {
    const entity = v2Entity(full.lot.id, attributesOf(full));
    const shared = Object.keys(entity).filter((k) => k in v2Example && !['id', 'type'].includes(k));
    expect(shared.length).toBeGreaterThanOrEqual(8);
    for (const name of shared) expect([name, (entity[name] as { type: string }).type]).toEqual([name, v2Example[name].type]);
    expect(entity.id).not.toMatch(/^urn:/);
    expect(v2Example.id).not.toMatch(/^urn:/);
    expect((entity.availableSpotNumber as { metadata: unknown }).metadata).toEqual({ TimeInstant: { type: 'DateTime', value: AT } });
  });
});

describe('stale or unknown never looks current', () => {
  const live = ['availableSpotNumber', 'occupiedSpotNumber', 'occupancy', 'status', 'occupancyModified'];

  it.each(cases.filter((c) => c.status.stale))('$name: no live attribute in NGSI-LD; null ones in NGSI v2; the last observation kept', (c) => {
    const ld = ldEntity(c.lot.id, attributesOf(c));
    for (const name of live) expect(ld, name).not.toHaveProperty(name);
    expect(ld.totalSpotNumber).toEqual({ type: 'Property', value: c.lot.capacity });
    if (c.status.observedAt) expect(ld.observationDateTime).toEqual({ type: 'Property', value: { '@type': 'DateTime', '@value': c.status.observedAt } });
    else expect(ld).not.toHaveProperty('observationDateTime');
    const v2 = v2Entity(c.lot.id, attributesOf(c));
    for (const name of live) expect((v2[name] as { value: unknown }).value, name).toBeNull();
  });

  it.each(cases.filter((c) => !c.status.stale))('$name: live attributes carry observedAt', (c) => {
    const ld = ldEntity(c.lot.id, attributesOf(c));
    for (const name of live.slice(0, 4)) expect((ld[name] as { observedAt: string }).observedAt, name).toBe(AT);
  });
});

describe('the ETSI NGSI-LD OAS', () => {
  const oas = etsiNgsiLd();

  // The OAS's Entity schema describes the normalized representation (keyValues is checked against the SDM schema above).
  it.each(cases)('$name: the normalized entity validates as Entity (application/json and ld+json)', (c) => {
    const plain = oas.response('/entities/{entityId}', 'get', 200, 'application/json')!;
    expect(plain(ldEntity(c.lot.id, attributesOf(c))), errorsOf(plain).join('\n')).toBe(true);
    const ld = oas.response('/entities/{entityId}', 'get', 200, OAS_JSON_LD)!;
    expect(ld(ldEntity(c.lot.id, attributesOf(c), { withContext: true })), errorsOf(ld).join('\n')).toBe(true);
  });

  it('the OAS validator rejects an entity without an id (not a rubber stamp)', () => {
    const plain = oas.response('/entities/{entityId}', 'get', 200, 'application/json')!;
    expect(plain({ type: 'OffStreetParking' })).toBe(false);
  });

  it('the registration of `manku ngsi registration` is a CsourceRegistration, inclusive, for OffStreetParking', () => {
    const registration = csourceRegistration({ endpoint: 'https://manku.example.jp/' });
    const validate = oas.at('/components/schemas/CsourceRegistration');
    expect(validate(registration), errorsOf(validate).join('\n')).toBe(true);
    expect(registration).toMatchObject({ mode: 'inclusive', endpoint: 'https://manku.example.jp', information: [{ entities: [{ type: 'OffStreetParking' }] }] });
    expect(validate({ ...registration, mode: 'sometimes' })).toBe(false);
  });
});

describe('a lot without a location', () => {
  it('has no NGSI attributes at all: it is not published as OffStreetParking', () => {
    const unplaced = LotsFile.parse({ lots: [{ id: 'nowhere', name: { ja: 'x', en: 'x' }, capacity: 5, sensors: [{ id: 'g', passwordHash: FIXTURE_HASH }] }] }).lots[0]!;
    expect(lotAttributes(unplaced, status('nowhere', 5, 'vacant', 0))).toBeNull();
  });
});

