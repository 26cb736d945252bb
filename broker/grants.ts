/**
 * What each account may publish and read, as topic filters, derived from the topic table
 * (protocol/topics.ts), for brokers that take an ACL file instead of our canPublish/canSubscribe
 * hooks (mosquitto, NATS: broker/mosquitto-config.ts, broker/nats-config.ts). The same policy as
 * broker/acl.ts: a sensor writes only its own counter topic; a service role writes the kinds it
 * publishes and reads the kinds it subscribes to, every parameter a `+`; nobody writes what the
 * broker itself publishes.
 */
import { counterTopic, filterFor, TOPIC_KINDS, TOPICS, type TopicRole } from '../protocol/index.js';
import { credentialsOf, hashFormatOf, type LotsFile, type Principal } from '../core/index.js';

export interface Grant {
  /** An MQTT topic filter (`+` for a parameter). */
  filter: string;
  read: boolean;
  write: boolean;
}

/** @example grantsOf({ role: 'reader', username: 'app' }) // [{ filter: 'parking/v1/+/status', read: true, write: false }] */
export function grantsOf(principal: Principal): Grant[] {
  if (principal.role === 'sensor') return [{ filter: counterTopic(principal.lotId, principal.sensorId), read: false, write: true }];
  const role: TopicRole = principal.role;
  return TOPIC_KINDS.flatMap((kind) => {
    const spec = TOPICS[kind];
    const read = (spec.subscribers as readonly TopicRole[]).includes(role);
    const write = spec.publisher === role;
    return read || write ? [{ filter: filterFor(kind), read, write }] : [];
  });
}

/** A broker's config files by name, or why none can be written. */
export type GeneratedFiles = { ok: true; files: Record<string, string> } | { ok: false; error: string };

/** Accounts whose hash a broker cannot read, as `name (format)`. */
export function unreadableHashes(lots: LotsFile, readable: (hash: string) => boolean): string[] {
  return [...credentialsOf(lots)].filter(([, c]) => !readable(c.passwordHash)).map(([name, c]) => `${name} (${hashFormatOf(c.passwordHash)})`);
}
