/**
 * Who may publish and subscribe where. Pure policy, safe by default, derived from the topic table
 * (protocol/topics.ts): a role may publish a topic whose `publisher` it is, and subscribe to a
 * filter on a kind whose `subscribers` include it; anything else is refused. What stays policy
 * here: a sensor publishes only its own counter topic, and `$SYS` and root wildcards are refused
 * to everybody (aedes' default deny, kept when overriding). Nobody may publish broker health: its
 * publisher is the broker itself, and aedes does not ask authorizePublish about its own publishes.
 */
import {
  counterTopic,
  matchFilter,
  parse,
  TOPIC_KINDS,
  TOPICS,
  type ParsedTopic,
  type TopicKind,
  type TopicParam,
  type TopicRole,
  type TopicSpec,
} from '../protocol/index.js';
import type { Principal } from '../core/index.js';

export type Decision = { ok: true } | { ok: false; reason: string };
/** A publish allowed names the topic's kind, so the caller need not parse the topic again. */
export type PublishDecision = { ok: true; kind: TopicKind } | { ok: false; reason: string };

const allow: Decision = { ok: true };
const deny = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

const spec = (kind: TopicKind): TopicSpec => TOPICS[kind];
const publishes = (role: TopicRole, kind: TopicKind) => spec(kind).publisher === role;
const subscribes = (role: TopicRole, kind: TopicKind) => spec(kind).subscribers.includes(role);

const WHO: Record<TopicRole, string> = { sensor: 'sensors', ingest: 'ingest', api: 'the api account', reader: 'reader accounts', push: 'the push account' };

/** Why a role was refused, from the table: the topics it may publish or the filters it may subscribe to. */
function refusal(role: TopicRole, verb: 'publish' | 'subscribe', allowed: (role: TopicRole, kind: TopicKind) => boolean): string {
  const kinds = TOPIC_KINDS.filter((k) => allowed(role, k));
  if (kinds.length === 0) return `${WHO[role]} may not ${verb}`;
  const shape = (k: TopicKind) => (verb === 'publish' ? TOPICS[k].pattern : TOPICS[k].pattern.replace(/\{(\w+)\}/g, '{$1|+}'));
  return `${WHO[role]} may ${verb} only to ${kinds.map(shape).join(', ')}`;
}
const ROLES = Object.keys(WHO) as TopicRole[];
const PUBLISH_REFUSAL = Object.fromEntries(ROLES.map((r) => [r, refusal(r, 'publish', publishes)])) as Record<TopicRole, string>;
const SUBSCRIBE_REFUSAL = Object.fromEntries(ROLES.map((r) => [r, refusal(r, 'subscribe', subscribes)])) as Record<TopicRole, string>;

/**
 * Policy beyond the table: a sensor publishes only as itself, the lot and sensor of the topic
 * being those of its account.
 */
function isOwn(principal: Principal, t: ParsedTopic): boolean {
  if (principal.role !== 'sensor') return true;
  const params: Partial<Record<TopicParam, string>> = t.params;
  return params.lotId === principal.lotId && params.sensorId === principal.sensorId;
}

const COUNTER_ALLOWED: PublishDecision = { ok: true, kind: 'counter' };

/**
 * @example canPublish({ role: 'sensor', username: 'g1', lotId: 'l1', sensorId: 'g1' }, counterTopic('l1', 'g1')) // { ok: true, kind: 'counter' }
 */
export function canPublish(principal: Principal, topic: string): PublishDecision {
  if (topic.startsWith('$SYS')) return deny('$SYS topics are reserved');
  // Every counter message comes through here: a sensor's one topic is known, so compare, not parse.
  if (principal.role === 'sensor' && publishes('sensor', 'counter') && topic === counterTopic(principal.lotId, principal.sensorId)) return COUNTER_ALLOWED;
  const t = parse(topic);
  if (t && publishes(principal.role, t.kind) && isOwn(principal, t)) return { ok: true, kind: t.kind };
  return deny(
    principal.role === 'sensor'
      ? `sensor ${principal.sensorId} may publish only to ${counterTopic(principal.lotId, principal.sensorId)}`
      : PUBLISH_REFUSAL[principal.role],
  );
}

export function canSubscribe(principal: Principal, filter: string): Decision {
  if (filter.startsWith('$SYS') || filter.startsWith('#') || filter.startsWith('+')) {
    return deny('$SYS and root wildcards are reserved');
  }
  const m = matchFilter(filter);
  return m && subscribes(principal.role, m.kind) ? allow : deny(SUBSCRIBE_REFUSAL[principal.role]);
}
