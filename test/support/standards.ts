/**
 * The standards' own machine-readable files (test/fixtures/standards/, copied unchanged; see its
 * README), loaded into validators: the Smart Data Models OffStreetParking JSON Schema (draft
 * 2020-12, common-schema.json resolved offline by its $id), the ETSI NGSI-LD OpenAPI 3.0 document
 * and the FIWARE NGSI v2 Swagger 2.0 document. Tests only: nothing here is typed by hand.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

const DIR = new URL('../fixtures/standards/', import.meta.url);
export const readStandard = (path: string) => readFileSync(new URL(path, DIR), 'utf8');
export const readStandardJson = (path: string) => JSON.parse(readStandard(path)) as Record<string, any>;

/** Errors as one line each, for a failing expectation to say what is wrong. */
export function errorsOf(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

/** OffStreetParking/schema.json, validating the keyValues form of an entity. */
export function offStreetParkingValidator(): ValidateFunction {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(readStandardJson('data-models/common-schema.json')); // by its $id, https://smart-data-models.github.io/data-models/common-schema.json
  return ajv.compile(readStandardJson('dataModel.Parking/OffStreetParking/schema.json'));
}

export const offStreetParkingSchema = () => readStandardJson('dataModel.Parking/OffStreetParking/schema.json');
export const sdmExample = (name: string) => readStandardJson(`dataModel.Parking/OffStreetParking/examples/${name}`);

const escape = (token: string) => token.replaceAll('~', '~0').replaceAll('/', '~1');

/** An OpenAPI (3.0) or Swagger (2.0) document, with validators for the schemas it gives. */
export interface ApiDocument {
  doc: Record<string, any>;
  /** A validator for the schema at this JSON pointer into the document (e.g. `/components/schemas/Entity`). */
  at(pointer: string): ValidateFunction;
  /**
   * The validator for a response body of an operation, or null when the document defines no body
   * for that status and media type. Follows `$ref`s to components/responses.
   */
  response(path: string, method: string, status: number, mediaType: string): ValidateFunction | null;
  /** Whether the document lists this status for the operation. */
  lists(path: string, method: string, status: number): boolean;
}

function apiDocument(doc: Record<string, any>, name: string): ApiDocument {
  const ajv = new Ajv.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  // The ETSI OAS uses formats named URI and pattern: accepted, unchecked.
  ajv.addFormat('URI', true);
  ajv.addFormat('pattern', true);
  ajv.addSchema(doc, name);
  const compiled = new Map<string, ValidateFunction>();
  const at = (pointer: string) => {
    let v = compiled.get(pointer);
    if (!v) compiled.set(pointer, (v = ajv.compile({ $ref: `${name}#${pointer}` })));
    return v;
  };
  const responseOf = (path: string, method: string, status: number): [Record<string, any> | null, string] => {
    const base = `/paths/${escape(path)}/${method}/responses/${status}`;
    const r = doc.paths?.[path]?.[method]?.responses?.[String(status)];
    if (!r) return [null, base];
    if (typeof r.$ref === 'string') {
      const target = (r.$ref as string).slice(1);
      return [target.split('/').slice(1).reduce((o: any, k) => o?.[k.replaceAll('~1', '/').replaceAll('~0', '~')], doc), target];
    }
    return [r, base];
  };
  return {
    doc,
    at,
    response(path, method, status, mediaType) {
      const [r, pointer] = responseOf(path, method, status);
      if (!r?.content?.[mediaType]?.schema) return null;
      return at(`${pointer}/content/${escape(mediaType)}/schema`);
    },
    lists: (path, method, status) => responseOf(path, method, status)[0] !== null,
  };
}

/**
 * `oneOf` read as `anyOf`: the ETSI OAS's alternatives overlap (a date-time value
 * `{"@type": "DateTime", "@value"}` is both its DateTimeValue and its AnyValue; an `@context` array,
 * seen by Entity's additionalProperties, is both an array of Property and of Relationship), so
 * under JSON Schema's "exactly one" no entity with either could pass. Nothing else is changed.
 */
function oneOfAsAnyOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(oneOfAsAnyOf);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k === 'oneOf' ? 'anyOf' : k, oneOfAsAnyOf(v)]));
}

/** ETSI GS CIM 009 V1.7.1 as OpenAPI 3.0.3 (its JSON-LD media type is spelled application/json+ld). */
export const etsiNgsiLd = () =>
  apiDocument(oneOfAsAnyOf(parseYaml(readStandard('etsi-ngsi-ld-oas/ngsi-ld-api-3.0.3.yaml'))) as Record<string, any>, 'etsi-ngsi-ld');
/** The OAS's spelling of application/ld+json. */
export const OAS_JSON_LD = 'application/json+ld';

/** FIWARE NGSI v2 as Swagger 2.0. */
export const fiwareNgsiV2 = () => apiDocument(readStandardJson('fiware-ngsiv2/ngsiv2-openapi.json'), 'fiware-ngsiv2');
