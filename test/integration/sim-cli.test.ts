/** `npm run sim` as an operator runs it: simulate, record, replay — against a real broker and ingest. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword, type Broker } from '../../broker/index.js';
import { LotsFile } from '../../core/index.js';
import { createRecorder, createScenario, promisedCount, readRecording, truthAt, type Delivery } from '../../firmware-sim/index.js';
import { messagesTaken, type Ingest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';
import { CounterMessage, parseCounterTopic } from '../../protocol/index.js';
import { nodeArgs } from '../../testkit/entry-points.js';
import { waitFor } from '../../testkit/wait.js';
import { passwordOf, startBroker, startIngest, testLots } from '../support/stack.js';

const run = promisify(execFile);
const simVia = (options: { via?: 'tsx' }) => (...args: string[]) => run(process.execPath, nodeArgs('sim', args, options), { timeout: 60_000 });
/** The simulator from the test run's built copy (testkit/entry-points.ts)... */
const sim = simVia({});
/** ...and once as `npm run sim` runs it, through tsx. */
const npmRunSim = simVia({ via: 'tsx' });
const started: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  for (const s of started.splice(0).reverse()) await s.stop();
});

async function stack(lots: LotsFile, clientId: string): Promise<{ url: string; ingest: Ingest; broker: Broker }> {
  const { broker, url } = await startBroker(lots);
  started.push(broker);
  const ingest = await startIngest(lots, url, createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-simcli-')) }), undefined, clientId);
  started.push(ingest);
  return { url, ingest, broker };
}

const taken = (ingest: Ingest) => messagesTaken(ingest.ledger.stats());

/** The count the protocol promises for a recording, in its order. */
function promisedForRecording(file: string): { count: number; lines: number } {
  const lines = readRecording(file);
  const gates = new Map<string, number>();
  const deliveries: Delivery[] = lines.map((l) => {
    const sensor = parseCounterTopic(l.topic)!.sensorId;
    if (!gates.has(sensor)) gates.set(sensor, gates.size);
    const parsed = (() => { try { return CounterMessage.safeParse(JSON.parse(l.payload)); } catch { return null; } })();
    return { atMs: l.t, gate: gates.get(sensor)!, kind: 'reading', payload: l.payload, ...(parsed?.success ? { message: parsed.data } : {}) };
  });
  return { count: promisedCount(deliveries), lines: lines.length };
}

describe('npm run sim', { timeout: 90_000 }, () => {
  it('run --fast plays a window of a weekday; the count is the true occupancy; record -> replay gives the same count', async () => {
    const lots = await testLots({ capacity: 200 });
    const first = await stack(lots, 'simcli-a');
    const file = join(mkdtempSync(join(tmpdir(), 'manku-rec-')), 'day.ndjson');
    const recorder = createRecorder({ mqttUrl: first.url, username: 'ingest', password: passwordOf('ingest'), file });
    await recorder.start();
    const { stdout } = await npmRunSim('run', '--url', first.url, '--lot', 'lot-a', '--sensors', 'gate-a1,gate-a2', '--password', 'pw-{sensor}',
      '--date', '2026-11-24', '--from', '7', '--hours', '3', '--fast', '--duplicate', '0.05', '--state', join(dirname(file), 'boots.json'));
    expect(stdout).toMatch(/simulating a weekday .* 07:00–09:59 Asia\/Tokyo, as fast as possible/);
    expect(stdout).toMatch(/done: \d+ messages/);
    const sent = Number(/done: (\d+) messages/.exec(stdout)![1]);
    await waitFor(() => taken(first.ingest) === sent && recorder.count === sent, { timeoutMs: 20_000, what: 'every message taken and recorded' });
    await recorder.stop();
    const scenario = createScenario({ name: 'weekday', seed: 1, startMs: Date.parse('2026-11-24T00:00:00+09:00'), capacity: 200, gates: 2 });
    const truth = truthAt(scenario, Date.parse('2026-11-24T10:00:00+09:00') - 1);
    const count = first.ingest.ledger.lot('lot-a')!.occupiedRaw;
    expect(count).toBe(truth);

    const second = await stack(lots, 'simcli-b');
    const replayed = await sim('replay', file, '--url', second.url, '--password', 'pw-{sensor}', '--fast');
    expect(replayed.stdout).toMatch(new RegExp(`done: ${sent} messages`));
    await waitFor(() => taken(second.ingest) === sent, { timeoutMs: 20_000, what: 'the replay to be taken' });
    expect(second.ingest.ledger.lot('lot-a')!.occupiedRaw).toBe(count);
  });

  it('replays the committed recording of a demo-hospital weekday to its promised count', async () => {
    const fixture = 'firmware-sim/fixtures/demo-hospital-weekday.ndjson';
    const hash = (u: string) => hashPassword(passwordOf(u), { N: 1024 });
    const lots = LotsFile.parse({
      lots: [{ id: 'demo-hospital', name: { ja: 'デモ', en: 'Demo' }, capacity: 200, sensors: [{ id: 'demo-gate-1', passwordHash: await hash('demo-gate-1') }, { id: 'demo-gate-2', passwordHash: await hash('demo-gate-2') }] }],
      accounts: [{ username: 'ingest', role: 'ingest', passwordHash: await hash('ingest') }],
    });
    const { url, ingest } = await stack(lots, 'simcli-fixture');
    const expected = promisedForRecording(fixture);
    const { stdout } = await sim('replay', fixture, '--url', url, '--password', 'pw-{sensor}', '--fast');
    expect(stdout).toMatch(new RegExp(`done: ${expected.lines} messages`));
    await waitFor(() => taken(ingest) === expected.lines, { timeoutMs: 20_000, what: 'the fixture to be taken' });
    expect(ingest.ledger.lot('demo-hospital')!.occupiedRaw).toBe(expected.count);
    const s = ingest.ledger.stats();
    expect(s.rejected.json + s.rejected.schema).toBeGreaterThan(0); // the recording carries malformed payloads
  });

  it('keeps each sensor\'s boot number across runs, so a second run is a new boot, not duplicates', async () => {
    const lots = await testLots({ capacity: 200 });
    const { url, ingest } = await stack(lots, 'simcli-boots');
    const state = join(mkdtempSync(join(tmpdir(), 'manku-boots-')), 'boots.json');
    const args = ['run', '--url', url, '--lot', 'lot-a', '--sensors', 'gate-a1,gate-a2', '--password', 'pw-{sensor}', '--date', '2026-11-24', '--from', '8', '--hours', '1', '--fast', '--state', state];
    const first = Number(/done: (\d+)/.exec((await sim(...args)).stdout)![1]);
    const second = Number(/done: (\d+)/.exec((await sim(...args)).stdout)![1]);
    await waitFor(() => taken(ingest) === first + second, { timeoutMs: 20_000, what: 'both runs taken' });
    expect(JSON.parse(readFileSync(state, 'utf8'))).toEqual({ 'gate-a1': 2, 'gate-a2': 2 });
    const s = ingest.ledger.stats();
    expect(s.outcomes.reboot).toBe(4);
    expect(s.outcomes.duplicate).toBe(0);
  });

  it('says what is wrong with bad arguments', async () => {
    await expect(sim('run', '--scenario', 'holiday')).rejects.toMatchObject({ stderr: expect.stringMatching(/--scenario must be one of weekday, weekend, snow/) });
    await expect(sim('run', '--offline', 'gate1 at ten')).rejects.toMatchObject({ stderr: expect.stringMatching(/use GATE@HH:MM-HH:MM/) });
    await expect(sim('replay')).rejects.toMatchObject({ stderr: expect.stringMatching(/replay needs a FILE/) });
    const help = await sim('help');
    expect(help.stdout).toMatch(/npm run sim -- run/);
  });
});
