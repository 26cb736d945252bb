/**
 * Who may publish and subscribe where. Pure policy, safe by default: anything not allowed below
 * is refused, and `$SYS/` is refused to everybody (aedes' default deny, kept when overriding).
 * No account may publish broker health: the broker publishes it itself, and aedes does not ask
 * authorizePublish about its own publishes.
 */
import {
  isBrokerHealthFilter,
  isId,
  parseCalibrationResultTopic,
  parseCalibrationTopic,
  parseCounterTopic,
  parseHealthTopic,
  parseStatusTopic,
  TOPIC_ROOT,
} from '../protocol/index.js';
import type { Principal } from '../core/index.js';

export type Decision = { ok: true } | { ok: false; reason: string };

const allow: Decision = { ok: true };
const deny = (reason: string): Decision => ({ ok: false, reason });

/**
 * @example canPublish({ role: 'sensor', username: 'g1', lotId: 'l1', sensorId: 'g1' }, 'parking/v1/l1/g1/counter') // { ok: true }
 */
export function canPublish(principal: Principal, topic: string): Decision {
  if (topic.startsWith('$SYS')) return deny('$SYS topics are reserved');
  switch (principal.role) {
    case 'sensor': {
      const t = parseCounterTopic(topic);
      if (t && t.lotId === principal.lotId && t.sensorId === principal.sensorId) return allow;
      return deny(`sensor ${principal.sensorId} may publish only to ${TOPIC_ROOT}/${principal.lotId}/${principal.sensorId}/counter`);
    }
    case 'ingest':
      return parseStatusTopic(topic) || parseCalibrationResultTopic(topic) || parseHealthTopic(topic)
        ? allow
        : deny('ingest may publish only status, calibration results and its health');
    case 'api':
      return parseCalibrationTopic(topic) ? allow : deny('the api account may publish only calibration commands');
    case 'reader':
      return deny('reader accounts may not publish');
  }
}

/** Matches a subscription filter level against "any id": `+` or a concrete id. */
function isIdOrPlus(level: string | undefined): boolean {
  return level !== undefined && (level === '+' || isId(level));
}

function isFilter(filter: string, tail: string[]): boolean {
  const parts = filter.split('/');
  if (parts.length !== 2 + tail.length || parts[0] !== 'parking' || parts[1] !== 'v1') return false;
  return tail.every((want, i) => (want === '*' ? isIdOrPlus(parts[2 + i]) : parts[2 + i] === want));
}

/** Status filters: `parking/v1/+/status` or `parking/v1/{lotId}/status`. */
export function isStatusFilter(filter: string): boolean {
  return isFilter(filter, ['*', 'status']);
}

/** Calibration command filters `parking/v1/{lot|+}/calibration` and result filters `.../calibration/result`. */
export const isCalibrationFilter = (filter: string) => isFilter(filter, ['*', 'calibration']);
export const isCalibrationResultFilter = (filter: string) => isFilter(filter, ['*', 'calibration', 'result']);

/** Ingest health filters: `manku/v1/ingest/{clientId|+}/health`. */
export function isHealthFilter(filter: string): boolean {
  const p = filter.split('/');
  return p.length === 5 && p[0] === 'manku' && p[1] === 'v1' && p[2] === 'ingest' && p[4] === 'health' && !/[#]/.test(p[3] ?? '#');
}

/** Counter filters: `parking/v1/{lot|+}/{sensor|+}/counter`. */
export function isCounterFilter(filter: string): boolean {
  return isFilter(filter, ['*', '*', 'counter']);
}

export function canSubscribe(principal: Principal, filter: string): Decision {
  if (filter.startsWith('$SYS') || filter.startsWith('#') || filter.startsWith('+')) {
    return deny('$SYS and root wildcards are reserved');
  }
  switch (principal.role) {
    case 'sensor':
      return deny('sensors may not subscribe');
    case 'reader':
      return isStatusFilter(filter) ? allow : deny('reader accounts may subscribe only to parking/v1/{lotId|+}/status');
    case 'ingest':
      return isCounterFilter(filter) || isStatusFilter(filter) || isCalibrationFilter(filter)
        ? allow
        : deny('ingest may subscribe only to counter, status and calibration topics');
    case 'api':
      return isStatusFilter(filter) || isCalibrationResultFilter(filter) || isHealthFilter(filter) || isBrokerHealthFilter(filter)
        ? allow
        : deny('the api account may subscribe only to status, calibration results, ingest health and broker health');
  }
}
