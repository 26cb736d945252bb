/**
 * The HTTP request that upserts entities into the city's broker, per flavor:
 * - NGSI-LD (GS CIM 009 §5.6.8): `POST /ngsi-ld/v1/entityOperations/upsert`, application/ld+json,
 *   `NGSILD-Tenant`. Upsert without `options=update` replaces each entity, so the live attributes
 *   of a lot that has gone stale disappear from the broker.
 * - NGSI v2 (Orion): `POST /v2/op/update` with `actionType: "append"`, `Fiware-Service` and
 *   `Fiware-ServicePath`.
 */
import type { LdEntity, V2Entity } from '../ngsi/index.js';

export type Flavor = 'ld' | 'v2';

export interface Target {
  /** The broker's base URL, e.g. http://orion:1026 (the paths above are appended). */
  url: string;
  flavor: Flavor;
  /** NGSI-LD: NGSILD-Tenant; NGSI v2: Fiware-Service. */
  tenant?: string;
  /** NGSI v2 only: Fiware-ServicePath (e.g. /aizuwakamatsu/parking). */
  servicePath?: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
}

export interface PushRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const base = (url: string) => url.replace(/\/+$/, '');

export function upsertRequest(target: Target, entities: ReadonlyArray<LdEntity | V2Entity>): PushRequest {
  const headers: Record<string, string> = {};
  if (target.token) headers.Authorization = `Bearer ${target.token}`;
  if (target.flavor === 'ld') {
    if (target.tenant) headers['NGSILD-Tenant'] = target.tenant;
    headers['Content-Type'] = 'application/ld+json';
    return { url: `${base(target.url)}/ngsi-ld/v1/entityOperations/upsert`, headers, body: JSON.stringify(entities) };
  }
  if (target.tenant) headers['Fiware-Service'] = target.tenant;
  if (target.servicePath) headers['Fiware-ServicePath'] = target.servicePath;
  headers['Content-Type'] = 'application/json';
  return { url: `${base(target.url)}/v2/op/update`, headers, body: JSON.stringify({ actionType: 'append', entities }) };
}
