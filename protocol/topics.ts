/**
 * The one MQTT topic table (MQTT 3.1.1). Every topic the system uses is described once, in
 * `TOPICS`: its levels (literals and `{named}` parameters), QoS and retain, the role that publishes
 * it and the roles that may subscribe to it. Building, parsing and filters below, and the broker's
 * ACL (broker/acl.ts), are derived from it; docs/protocol.md lists it for people (a unit test
 * checks the two agree). No other file spells a topic level.
 */
import { z } from 'zod';

/** Lot, sensor and broker ids: lower-case letters, digits and '-', 1 to 64 characters. */
export const ID_PATTERN = /^[a-z0-9-]{1,64}$/;
export const Id = z.string().regex(ID_PATTERN, 'must match [a-z0-9-]{1,64}');

export function isId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/**
 * An ingest's MQTT client id as a topic level: any non-empty text without '/', '+' or '#' (a topic
 * name holds no wildcard, [MQTT-4.7.1-1]). The config holds it to 1–23 characters.
 */
const CLIENT_ID_LEVEL = /^[^/+#]+$/;

/** What a level must be to fill each named parameter of a pattern. */
export const TOPIC_PARAMS = {
  lotId: ID_PATTERN,
  sensorId: ID_PATTERN,
  clientId: CLIENT_ID_LEVEL,
  brokerId: ID_PATTERN,
} as const satisfies Record<string, RegExp>;
export type TopicParam = keyof typeof TOPIC_PARAMS;

/** The roles of broker accounts (a sensor, or a service account). */
export type TopicRole = 'sensor' | 'ingest' | 'api' | 'reader' | 'push';

export interface TopicSpec {
  /** Levels joined by '/'; `{name}` is a parameter of `TOPIC_PARAMS`. */
  readonly pattern: string;
  readonly qos: 0 | 1 | 2;
  readonly retain: boolean;
  /** The only role that may publish it; 'broker' when the broker publishes it itself (no account may). */
  readonly publisher: TopicRole | 'broker';
  /** The roles that may subscribe to it, with any parameter concrete or `+`. */
  readonly subscribers: readonly TopicRole[];
}

export const TOPICS = {
  /** A gate sensor's counts (CounterMessage); a sensor may publish only its own (broker/acl.ts). */
  counter: { pattern: 'parking/v1/{lotId}/{sensorId}/counter', qos: 1, retain: false, publisher: 'sensor', subscribers: ['ingest'] },
  /** A lot's LotStatus. */
  status: { pattern: 'parking/v1/{lotId}/status', qos: 1, retain: true, publisher: 'ingest', subscribers: ['ingest', 'api', 'reader', 'push'] },
  /** Set a lot's count or reset a sensor's reference (LotCommand). */
  calibration: { pattern: 'parking/v1/{lotId}/calibration', qos: 1, retain: false, publisher: 'api', subscribers: ['ingest'] },
  /** The outcome of a calibration command (CalibrationResult). */
  calibrationResult: { pattern: 'parking/v1/{lotId}/calibration/result', qos: 1, retain: false, publisher: 'ingest', subscribers: ['api'] },
  /** An ingest's liveness and counters (IngestHealth); also its last will. */
  ingestHealth: { pattern: 'manku/v1/ingest/{clientId}/health', qos: 1, retain: true, publisher: 'ingest', subscribers: ['api'] },
  /** The broker's refusals (BrokerHealth), published by the broker itself. */
  brokerHealth: { pattern: 'manku/v1/broker/{brokerId}/health', qos: 1, retain: true, publisher: 'broker', subscribers: ['api'] },
  /** The NGSI push's liveness and counters (PushHealth); also its last will. */
  pushHealth: { pattern: 'manku/v1/push/{clientId}/health', qos: 1, retain: true, publisher: 'push', subscribers: ['api'] },
  /** A lot's gates (LotGates): last seen, boot, seq, counters; coalesced, for operators. */
  gates: { pattern: 'manku/v1/lots/{lotId}/gates', qos: 1, retain: true, publisher: 'ingest', subscribers: ['api'] },
} as const satisfies Record<string, TopicSpec>;

export type TopicKind = keyof typeof TOPICS;
export const TOPIC_KINDS: readonly TopicKind[] = Object.freeze(Object.keys(TOPICS) as TopicKind[]);

type ParamsIn<P extends string> = P extends `${string}{${infer N}}${infer Rest}` ? N | ParamsIn<Rest> : never;
/** The parameters of a kind, e.g. `TopicParams<'status'>` is `{ lotId: string }`. */
export type TopicParams<K extends TopicKind> = { [N in ParamsIn<(typeof TOPICS)[K]['pattern']>]: string };
/** A concrete topic of one kind. */
export type ParsedTopic = { [K in TopicKind]: { kind: K; params: TopicParams<K> } }[TopicKind];
/** A subscription filter on one kind: the parameters given as `+` are absent. */
export type MatchedFilter = { [K in TopicKind]: { kind: K; params: Partial<TopicParams<K>> } }[TopicKind];

/**
 * A pattern, compiled once: its literal levels and parameter levels by position (for matching
 * split levels), and `text`, the literal text around the parameters (`text[i]` before parameter
 * `i`, the last after the last one), so that building is concatenation.
 */
interface Compiled {
  levels: number;
  literals: Array<{ at: number; text: string }>;
  params: Array<{ at: number; name: TopicParam; valid: RegExp }>;
  text: string[];
}

function compile(pattern: string): Compiled {
  const c: Compiled = { levels: 0, literals: [], params: [], text: [] };
  let text = '';
  for (const [at, level] of pattern.split('/').entries()) {
    c.levels += 1;
    if (at > 0) text += '/';
    const name = /^\{(\w+)\}$/.exec(level)?.[1];
    if (name === undefined) {
      c.literals.push({ at, text: level });
      text += level;
      continue;
    }
    if (!(name in TOPIC_PARAMS)) throw new Error(`topic pattern ${pattern}: unknown parameter {${name}}`);
    c.params.push({ at, name: name as TopicParam, valid: TOPIC_PARAMS[name as TopicParam] });
    c.text.push(text);
    text = '';
  }
  c.text.push(text);
  return c;
}
const COMPILED = Object.fromEntries(TOPIC_KINDS.map((k) => [k, compile(TOPICS[k].pattern)])) as Record<TopicKind, Compiled>;

/** The parameters of `kind` that `levels` fill (`+` left out when `wildcards`), or null when they do not fit. */
function bind(kind: TopicKind, levels: string[], wildcards: boolean): Record<string, string> | null {
  const c = COMPILED[kind];
  if (levels.length !== c.levels) return null;
  for (const { at, text } of c.literals) if (levels[at] !== text) return null;
  const params: Record<string, string> = {};
  for (const { at, name, valid } of c.params) {
    const got = levels[at]!;
    if (wildcards && got === '+') continue;
    if (!valid.test(got)) return null;
    params[name] = got;
  }
  return params;
}

function format(kind: TopicKind, fill: (param: TopicParam) => string): string {
  const { params, text } = COMPILED[kind];
  let out = text[0]!;
  for (let i = 0; i < params.length; i++) out += fill(params[i]!.name) + text[i + 1]!;
  return out;
}

/**
 * The topic of `kind` with these parameters. Formats only: `parse` is what validates.
 * @example build('counter', { lotId: 'demo-hospital', sensorId: 'demo-gate-1' }) // 'parking/v1/demo-hospital/demo-gate-1/counter'
 */
export function build<K extends TopicKind>(kind: K, params: TopicParams<K>): string {
  const p = params as Record<string, string>;
  return format(kind, (name) => p[name] as string);
}

/**
 * Which kind a concrete topic is, with its parameters validated; null for anything else.
 * At most one kind matches a topic (test/unit/protocol.test.ts checks that no two patterns overlap).
 * @example parse('parking/v1/demo-hospital/status') // { kind: 'status', params: { lotId: 'demo-hospital' } }
 */
export function parse(topic: string): ParsedTopic | null {
  const levels = topic.split('/');
  for (const kind of TOPIC_KINDS) {
    const params = bind(kind, levels, false);
    if (params) return { kind, params } as ParsedTopic;
  }
  return null;
}

/** The parameters of a concrete topic of `kind`; null when it is not one. */
export function parseAs<K extends TopicKind>(kind: K, topic: string): TopicParams<K> | null {
  return bind(kind, topic.split('/'), false) as TopicParams<K> | null;
}

/**
 * The subscription filter on `kind`: each parameter not given is `+`.
 * @example filterFor('status') // 'parking/v1/+/status'
 * @example filterFor('counter', { lotId: 'lot-a' }) // 'parking/v1/lot-a/+/counter'
 */
export function filterFor<K extends TopicKind>(kind: K, params: Partial<TopicParams<K>> = {}): string {
  const p = params as Partial<Record<string, string>>;
  return format(kind, (name) => p[name] ?? '+');
}

/**
 * Which kind a subscription filter targets: every parameter level concrete (and valid) or `+`,
 * every other level as in the pattern. `#`, `+` in place of a literal, and anything else: null.
 * @example matchFilter('parking/v1/+/status') // { kind: 'status', params: {} }
 */
export function matchFilter(filter: string): MatchedFilter | null {
  const levels = filter.split('/');
  for (const kind of TOPIC_KINDS) {
    const params = bind(kind, levels, true);
    if (params) return { kind, params } as MatchedFilter;
  }
  return null;
}

/**
 * Whether an MQTT topic filter matches a concrete topic ([MQTT-4.7]: `+` one level, `#` the rest,
 * including the parent level itself).
 * @example filterMatches('parking/v1/+/+/counter', 'parking/v1/lot-a/gate-1/counter') // true
 */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

// Named helpers, so call sites stay short.
/** @example counterTopic('demo-hospital', 'demo-gate-1') // 'parking/v1/demo-hospital/demo-gate-1/counter' */
export const counterTopic = (lotId: string, sensorId: string) => build('counter', { lotId, sensorId });
/** @example statusTopic('demo-hospital') // 'parking/v1/demo-hospital/status' */
export const statusTopic = (lotId: string) => build('status', { lotId });
export const calibrationTopic = (lotId: string) => build('calibration', { lotId });
export const calibrationResultTopic = (lotId: string) => build('calibrationResult', { lotId });
export const healthTopic = (clientId: string) => build('ingestHealth', { clientId });
/** @example brokerHealthTopic('manku-broker') // 'manku/v1/broker/manku-broker/health' */
export const brokerHealthTopic = (brokerId: string) => build('brokerHealth', { brokerId });
/** @example pushHealthTopic('manku-ngsi-push') // 'manku/v1/push/manku-ngsi-push/health' */
export const pushHealthTopic = (clientId: string) => build('pushHealth', { clientId });

/** @example gatesTopic('demo-hospital') // 'manku/v1/lots/demo-hospital/gates' */
export const gatesTopic = (lotId: string) => build('gates', { lotId });

export type CounterTopic = TopicParams<'counter'>;
export const parseCounterTopic = (topic: string): CounterTopic | null => parseAs('counter', topic);
export const parseStatusTopic = (topic: string) => parseAs('status', topic);
/** The lot of a calibration command topic, or null. */
export const parseCalibrationTopic = (topic: string) => parseAs('calibration', topic)?.lotId ?? null;
/** The lot of a calibration result topic, or null. */
export const parseCalibrationResultTopic = (topic: string) => parseAs('calibrationResult', topic)?.lotId ?? null;
/** The client id of an ingest health topic, or null. */
export const parseHealthTopic = (topic: string) => parseAs('ingestHealth', topic)?.clientId ?? null;
/** The broker id of a broker health topic, or null. */
export const parseBrokerHealthTopic = (topic: string) => parseAs('brokerHealth', topic)?.brokerId ?? null;
/** The client id of an NGSI push health topic, or null. */
export const parsePushHealthTopic = (topic: string) => parseAs('pushHealth', topic)?.clientId ?? null;

/** The lot of a gates topic, or null. */
export const parseGatesTopic = (topic: string) => parseAs('gates', topic)?.lotId ?? null;

/** Filters on every lot (every sensor, client, broker) of one kind. */
export const COUNTER_FILTER = filterFor('counter');
export const STATUS_FILTER = filterFor('status');
export const CALIBRATION_FILTER = filterFor('calibration');
export const CALIBRATION_RESULT_FILTER = filterFor('calibrationResult');
export const HEALTH_FILTER = filterFor('ingestHealth');
export const BROKER_HEALTH_FILTER = filterFor('brokerHealth');
export const PUSH_HEALTH_FILTER = filterFor('pushHealth');
export const GATES_FILTER = filterFor('gates');
