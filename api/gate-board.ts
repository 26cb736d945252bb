/**
 * What the API knows of each lot's gates, from ingest's retained `manku/v1/lots/{lotId}/gates`
 * messages. Online is decided here, at the time of asking, against the lot's staleAfterS: a gate
 * whose ingest has died goes silent on time even though nobody publishes that.
 */
import pino, { type Logger } from 'pino';
import { decodeWith, gateOnline, LotGates, parseGatesTopic, silentFirst, type GateState } from '../protocol/index.js';
import { createRateGate, systemClock, type Clock, type LotsFile } from '../core/index.js';

export interface GateBoard {
  onMessage(topic: string, payload: Buffer): void;
  /** The lot's gates now (every configured gate, silent first); null for a lot not in the lots file. */
  get(lotId: string): LotGates | null;
  /** Every configured gate now, lots in lots-file order. */
  all(): LotGates[];
}

const neverHeard = (sensorId: string): GateState => ({
  sensorId,
  lastSeenAt: null,
  lastMessageAt: null,
  boot: null,
  seq: null,
  online: false,
  accepted: 0,
  outcomes: {},
  rejected: {},
  clockSkewed: 0,
  lastSkewMs: null,
});

export function createGateBoard({ lots, clock = systemClock, logger = pino({ level: 'silent' }) }: { lots: LotsFile; clock?: Clock; logger?: Logger }): GateBoard {
  const log = logger.child({ component: 'gate-board' });
  const config = new Map(lots.lots.map((l) => [l.id, l]));
  const latest = new Map<string, LotGates>();
  const warnings = createRateGate({ perWindow: 10 });

  function get(lotId: string): LotGates | null {
    const lot = config.get(lotId);
    if (!lot) return null;
    const reported = latest.get(lotId);
    const byId = new Map(reported?.gates.map((g) => [g.sensorId, g]));
    const now = clock.now();
    // The lots file says which gates there are and how long they may be silent; ingest says what it saw.
    const gates = lot.sensors.map((s) => {
      const g = byId.get(s.id) ?? neverHeard(s.id);
      return { ...g, online: gateOnline(g.lastSeenAt ? Date.parse(g.lastSeenAt) : null, now, lot.staleAfterS) };
    });
    return {
      lotId,
      at: reported?.at ?? null,
      staleAfterS: lot.staleAfterS,
      capacity: lot.capacity,
      occupiedRaw: reported?.occupiedRaw ?? null,
      drift: reported?.drift ?? false,
      gates: silentFirst(gates),
    };
  }

  return {
    onMessage(topic, payload) {
      const lotId = parseGatesTopic(topic);
      if (!lotId || !config.has(lotId)) return;
      const parsed = decodeWith(LotGates, payload);
      if (!parsed.ok || parsed.data.lotId !== lotId) {
        const { pass, suppressed } = warnings.check('invalid', clock.now());
        if (pass) log.warn({ topic, err: parsed.ok ? 'lotId does not match topic' : parsed.error, ...(suppressed ? { suppressedSimilar: suppressed } : {}) }, 'invalid gates message ignored');
        return;
      }
      latest.set(lotId, parsed.data);
    },
    get,
    all: () => lots.lots.map((l) => get(l.id)!),
  };
}
