/**
 * One fuzzing campaign against a running broker + ingest (issue 12 item 6), shared by the
 * bounded test (test/integration/fuzz.test.ts) and the full benchmark (bench/fuzz/):
 *
 * 1. the fuzzing sensor sends FUZZ_REFERENCE, the highest (boot, seq): nothing it sends later can count;
 * 2. malformed counter payloads, published by the authenticated sensor: ingest must count each
 *    under its reason (json, schema), the broker each oversize one;
 * 3. mutated packets, from the authenticated sensor and from a stranger on another address;
 * 4. then the lots' counts must be what they were, and a fresh client must still connect and count.
 */
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import type { Broker } from '../../broker/index.js';
import { createRandom } from '../../firmware-sim/index.js';
import type { Ingest } from '../../ingest/index.js';
import { counterTopic, MAX_COUNTER_BYTES, type BrokerRefusalKind } from '../../protocol/index.js';
import { waitFor } from '../wait.js';
import { FUZZ_REFERENCE, fuzzPackets } from './packets.js';
import { fuzzPayloads } from './payloads.js';
import { runPacketCases, runPayloadCases, sendCase, sensorConnect, type Target } from './run.js';

export interface Account {
  lotId: string;
  sensorId: string;
  password: string;
}

export interface CampaignOptions {
  broker: Broker;
  ingest: Ingest;
  port: number;
  seed: number;
  packets: number;
  payloads: number;
  /** The fuzzing sensor; `witness` is another sensor that proves counting still works after. */
  sensor: Account;
  witness: Account;
  /** Credentials strangers' CONNECTs start from (a real account: some mutations still log in). */
  stranger: { username: string; password: string };
  lotIds: string[];
  concurrency?: number;
  /** Time budget of each phase (payloads, packets): no new case starts after it. */
  phaseSeconds?: number;
  /** How long a packet case waits for an answer before hanging up (a truncated packet leaves the broker waiting). */
  answerMs?: number;
}

type Counts = Record<string, number>;
const delta = (after: Counts, before: Counts) => Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v !== 0));
const tally = <T>(items: T[], key: (t: T) => string) => items.reduce<Counts>((acc, t) => ((acc[key(t)] = (acc[key(t)] ?? 0) + 1), acc), {});
const COUNTING = ['applied', 'reboot', 'anomaly', 'baseline'] as const;

export async function runFuzzCampaign(o: CampaignOptions) {
  const { broker, ingest, sensor, witness } = o;
  const concurrency = o.concurrency ?? 16;
  const target: Target = { port: o.port, username: sensor.sensorId, password: sensor.password };
  const topic = counterTopic(sensor.lotId, sensor.sensorId);
  const occupied = () => Object.fromEntries(o.lotIds.map((id) => [id, ingest.ledger.status(id)?.occupied ?? null]));
  const counting = () => Object.fromEntries(COUNTING.map((k) => [k, ingest.ledger.stats().outcomes[k]]));
  const rejected = () => ({ ...ingest.ledger.stats().rejected });
  const refused = (): Counts => ({ ...broker.stats().refused });

  // 1. The reference reading.
  const accepted = ingest.ledger.stats().accepted;
  const reference = mqttPacket.generate({ cmd: 'publish', topic, payload: JSON.stringify({ ...FUZZ_REFERENCE, ts: Date.now() }), qos: 1, messageId: 1, dup: false, retain: false });
  if ((await sendCase(target, sensorConnect(target, -1), reference, { answerMs: 10_000 })) !== 'alive') throw new Error('the fuzzing sensor could not send its reference reading');
  await waitFor(() => ingest.ledger.stats().accepted > accepted, { timeoutMs: 10_000, what: 'the reference reading' });
  const before = { occupied: occupied(), counting: counting() };

  // 2. Malformed payloads.
  let started = Date.now();
  const budgetMs = (o.phaseSeconds ?? Infinity) * 1000;
  const payloads = fuzzPayloads(createRandom(o.seed), o.payloads);
  const rejectedBefore = rejected();
  const refusedBefore = refused();
  const payloadRun = await runPayloadCases(
    payloads.map((p) => p.payload),
    topic,
    { sensor: target, ownConnectionBytes: MAX_COUNTER_BYTES, concurrency: Math.min(concurrency, 8), deadline: started + budgetMs },
  );
  const expected = tally(payloadRun.sent.map((i) => payloads[i]!), (p) => p.reason);
  const want = { json: expected.json ?? 0, schema: expected.schema ?? 0 };
  await waitFor(() => ingest.ledger.stats().rejected.json - rejectedBefore.json >= want.json && ingest.ledger.stats().rejected.schema - rejectedBefore.schema >= want.schema, {
    timeoutMs: 30_000,
    intervalMs: 50,
    what: `ingest to reject ${want.json} json + ${want.schema} schema payloads`,
  }).catch(() => {}); // the report shows what was counted
  await waitFor(() => (refused().oversize ?? 0) - (refusedBefore.oversize ?? 0) >= (expected.oversize ?? 0), { timeoutMs: 5000, what: 'oversize refusals' }).catch(() => {});
  const payloadReport = {
    generated: payloads.length,
    sent: payloadRun.sent.length,
    seed: o.seed,
    byKind: tally(payloadRun.sent.map((i) => payloads[i]!), (p) => p.kind),
    expected,
    /** Ingest's rejections by reason, and the broker's oversize refusals. */
    counted: { ...delta(rejected(), rejectedBefore), oversize: refused().oversize! - refusedBefore.oversize! },
    brokerRefusals: delta(refused(), refusedBefore),
    connections: payloadRun.outcomes,
    seconds: (Date.now() - started) / 1000,
  };

  // 3. Mutated packets.
  started = Date.now();
  const accounts = { lotId: sensor.lotId, sensorId: sensor.sensorId, otherTopic: counterTopic(witness.lotId, witness.sensorId), connectUsername: o.stranger.username, connectPassword: o.stranger.password };
  const packets = fuzzPackets(createRandom((o.seed ^ 0x9e3779b9) >>> 0), o.packets, accounts);
  const packetRejectedBefore = rejected();
  const packetRefusedBefore = refused();
  const stranger: Target = { ...target, localAddress: '127.0.0.2' };
  const { sent, outcomes, byMutation } = await runPacketCases(packets, { sensor: target, stranger, concurrency, answerMs: o.answerMs, deadline: started + budgetMs });
  const packetReport = {
    generated: packets.length,
    sent,
    seed: (o.seed ^ 0x9e3779b9) >>> 0,
    byBase: tally(packets.slice(0, sent), (p) => p.base),
    outcomes,
    byMutation,
    brokerRefusals: delta(refused(), packetRefusedBefore) as Partial<Record<BrokerRefusalKind, number>>,
    ingestRejections: delta(rejected(), packetRejectedBefore),
    seconds: (Date.now() - started) / 1000,
  };

  // 4. Counts unchanged; the broker still takes a fresh client and counts its reading.
  const after = { occupied: occupied(), counting: counting() };
  const witnessBefore = ingest.ledger.status(witness.lotId)?.occupied ?? 0;
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${o.port}`, { username: witness.sensorId, password: witness.password, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 });
  await client.publishAsync(counterTopic(witness.lotId, witness.sensorId), JSON.stringify({ boot: 1, seq: 1, ts: Date.now(), in: 2, out: 0 }), { qos: 1 });
  await client.endAsync();
  const stillCounts = await waitFor(() => ingest.ledger.status(witness.lotId)?.occupied === witnessBefore + 2, { timeoutMs: 10_000, what: 'the witness reading' }).then(
    () => true,
    () => false,
  );
  return { payloads: payloadReport, packets: packetReport, counts: { before, after }, stillCounts };
}
