/**
 * An NGSI-LD request's parameters and Accept header, checked (ETSI GS CIM 009 V1.7.1 §6.3): what to
 * answer with, or the ProblemDetails to answer instead. Pure: no Hono, no I/O.
 */
import { isOurType, type LdRepresentation } from '../ngsi/index.js';

export const ERROR_TYPES = {
  BadRequestData: 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData',
  ResourceNotFound: 'https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound',
  OperationNotSupported: 'https://uri.etsi.org/ngsi-ld/errors/OperationNotSupported',
} as const;

/** RFC 7807 / GS CIM 009 §5.5.2: `status` and `detail` always present. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: 400 | 404 | 406 | 422 | 501;
  detail: string;
}

const STATUS_TITLES = { 400: 'Bad Request', 404: 'Not Found', 406: 'Not Acceptable', 422: 'Unprocessable Entity', 501: 'Not Implemented' } as const;

export function problem(status: ProblemDetails['status'], detail: string, type?: keyof typeof ERROR_TYPES): ProblemDetails {
  // No NGSI-LD error type names 406 and 501: RFC 7807's about:blank, i.e. "what the status says".
  return { type: type ? ERROR_TYPES[type] : 'about:blank', title: type ?? STATUS_TITLES[status], status, detail };
}

export const badRequest = (detail: string) => problem(400, detail, 'BadRequestData');

export type Negotiated = { ok: true; jsonLd: boolean } | { ok: false; problem: ProblemDetails };

/**
 * §6.3.4: application/json (the @context in a Link header) unless application/ld+json (the
 * @context in the body) is preferred; nothing else is served.
 */
export function negotiate(accept: string | undefined): Negotiated {
  if (!accept || !accept.trim()) return { ok: true, jsonLd: false };
  const ranges = accept
    .split(',')
    .map((part, i) => {
      const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
      const q = params.find((p) => p.startsWith('q='));
      return { type, q: q ? Number(q.slice(2)) : 1, i };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { type } of ranges) {
    if (type === 'application/ld+json') return { ok: true, jsonLd: true };
    if (type === 'application/json' || type === 'application/*' || type === '*/*') return { ok: true, jsonLd: false };
  }
  return { ok: false, problem: problem(406, `cannot answer with ${accept}: ask for application/json or application/ld+json`) };
}

export interface EntityQuery {
  /** Null: any type (a query by id or attrs). False: a type that is not OffStreetParking, so nothing matches. */
  typeMatches: boolean | null;
  ids: string[] | null;
  idPattern: RegExp | null;
  attrs: string[] | null;
  representation: LdRepresentation;
  limit: number;
  offset: number;
  count: boolean;
}

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 1000;

/** Query features manku does not evaluate: answering without them would return wrong entities. */
const NOT_EVALUATED = ['q', 'georel', 'geometry', 'coordinates', 'geoproperty', 'csf', 'scopeQ', 'pick', 'omit'];

const list = (value: string | null) => (value === null ? null : value.split(',').map((s) => s.trim()).filter(Boolean));

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: ProblemDetails };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(p: ProblemDetails): Parsed<T> => ({ ok: false, problem: p });

/** §6.3.7: `format` wins over `options`; keyValues and simplified are the same thing. */
function representationOf(params: URLSearchParams): Parsed<LdRepresentation> {
  const options = list(params.get('options')) ?? [];
  const format = params.get('format');
  const chosen = format !== null ? [format] : options.filter((o) => o !== 'sysAttrs');
  const known = new Set(['normalized', 'keyValues', 'simplified', 'concise']);
  const unknown = [...chosen, ...options].filter((o) => !known.has(o) && o !== 'sysAttrs');
  if (unknown.length) return fail(badRequest(`unknown ${format !== null ? 'format' : 'option'} "${unknown[0]}": use normalized, keyValues or simplified`));
  if (chosen.includes('concise')) return fail(problem(501, 'the concise representation is not supported: use normalized (the default), keyValues or simplified'));
  if (chosen.length > 1 && new Set(chosen.map((c) => (c === 'simplified' ? 'keyValues' : c))).size > 1) {
    return fail(badRequest(`options ask for two representations (${chosen.join(', ')}): give one`));
  }
  return ok(chosen[0] === 'keyValues' || chosen[0] === 'simplified' ? 'keyValues' : 'normalized');
}

function integer(params: URLSearchParams, name: string, fallback: number, max: number): Parsed<number> {
  const raw = params.get(name);
  if (raw === null) return ok(fallback);
  if (!/^\d+$/.test(raw) || Number(raw) > max) return fail(badRequest(`${name} must be an integer from 0 to ${max}, not "${raw}"`));
  return ok(Number(raw));
}

/** The parameters of GET /entities (`byId`: GET /entities/{id}, where type/attrs/options only apply). */
export function parseEntityQuery(params: URLSearchParams, { byId = false } = {}): { ok: true; query: EntityQuery } | { ok: false; problem: ProblemDetails } {
  const unsupported = NOT_EVALUATED.find((p) => params.has(p));
  if (unsupported) return { ok: false, problem: problem(501, `manku does not evaluate "${unsupported}": query by type, id, idPattern or attrs`) };
  const representation = representationOf(params);
  if (!representation.ok) return representation;
  const limit = integer(params, 'limit', DEFAULT_LIMIT, MAX_LIMIT);
  if (!limit.ok) return limit;
  const offset = integer(params, 'offset', 0, Number.MAX_SAFE_INTEGER);
  if (!offset.ok) return offset;
  const countRaw = params.get('count');
  if (countRaw !== null && countRaw !== 'true' && countRaw !== 'false') return { ok: false, problem: badRequest(`count must be true or false, not "${countRaw}"`) };
  const count = countRaw === 'true';
  if (limit.value === 0 && !count) return { ok: false, problem: badRequest('limit=0 is only allowed with count=true (GS CIM 009 §6.3.10)') };
  const types = list(params.get('type'));
  const ids = byId ? null : list(params.get('id'));
  const attrs = list(params.get('attrs'));
  const patternText = byId ? null : params.get('idPattern');
  let idPattern: RegExp | null = null;
  if (patternText !== null) {
    if (patternText.length > 256) return { ok: false, problem: badRequest('idPattern is limited to 256 characters') };
    try {
      idPattern = new RegExp(patternText);
    } catch (err) {
      return { ok: false, problem: badRequest(`idPattern is not a valid regular expression: ${(err as Error).message}`) };
    }
  }
  if (!byId && !types && !ids && !idPattern && !attrs) {
    return { ok: false, problem: badRequest('the query is too wide: give type (e.g. type=OffStreetParking), id, idPattern or attrs') };
  }
  return {
    ok: true,
    query: {
      typeMatches: types ? types.some(isOurType) : null,
      ids,
      idPattern,
      attrs,
      representation: representation.value,
      limit: limit.value,
      offset: offset.value,
      count,
    },
  };
}
