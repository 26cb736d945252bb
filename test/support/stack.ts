/** The real wiring for integration tests: aedes broker, ingest and API on port 0. */
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import { createApi, type Api, type ApiOptions } from '../../api/index.js';
import { createBroker, hashPassword, type Broker, type BrokerOptions } from '../../broker/index.js';
import { LotsFile, systemClock, type Clock } from '../../core/index.js';
import { createIngest, type Ingest, type IngestOptions } from '../../ingest/index.js';
import type { OccupancyStore } from '../../storage/index.js';
import { waitFor } from '../../testkit/wait.js';

/** Test passwords are `pw-<username>`; hashed with a low scrypt cost to keep tests quick. */
export const passwordOf = (username: string) => `pw-${username}`;

export async function testLots(overrides: { staleAfterS?: number; capacity?: number } = {}): Promise<LotsFile> {
  const hash = (u: string) => hashPassword(passwordOf(u), { N: 1024 });
  return LotsFile.parse({
    lots: [
      {
        id: 'lot-a',
        name: { ja: 'A 駐車場', en: 'Lot A' },
        capacity: overrides.capacity ?? 10,
        staleAfterS: overrides.staleAfterS ?? 180,
        sensors: [
          { id: 'gate-a1', passwordHash: await hash('gate-a1') },
          { id: 'gate-a2', passwordHash: await hash('gate-a2') },
        ],
      },
      {
        id: 'lot-b',
        name: { ja: 'B 駐車場', en: 'Lot B' },
        capacity: 100,
        sensors: [{ id: 'gate-b1', passwordHash: await hash('gate-b1') }],
      },
    ],
    accounts: [
      { username: 'reader', role: 'reader', passwordHash: await hash('reader') },
      { username: 'api', role: 'api', passwordHash: await hash('api') },
      { username: 'ingest', role: 'ingest', passwordHash: await hash('ingest') },
    ],
  });
}

/** Tests share one loopback address and poll freely: per-address limits are off unless a test sets them. */
export const NO_RATE_LIMITS = { rateLimit: { perSecond: 0, burst: 1, maxAddresses: 1 }, upgradeLimits: { perSecond: 0, perAddressPerSecond: 0 } } satisfies Partial<ApiOptions>;

export const quietLogger = () => pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export async function startBroker(lots: LotsFile, extra: Partial<BrokerOptions> = {}): Promise<{ broker: Broker; url: string; port: number }> {
  const broker = createBroker({ lots, port: 0, logger: quietLogger(), connectTimeoutMs: 2000, ...extra });
  const { port } = await broker.start();
  return { broker, url: `mqtt://127.0.0.1:${port}`, port: port! };
}

export function startIngest(
  lots: LotsFile,
  url: string,
  store: OccupancyStore,
  clock: Clock = systemClock,
  clientId = 'test-ingest',
  extra: Partial<IngestOptions> = {},
): Promise<Ingest> {
  const ingest = createIngest({
    // Tests follow each change as it happens; the per-lot status throttle (one count-only status a
    // second, the production default) has its own tests in test/unit/status-publisher.test.ts.
    statusLotIntervalMs: 0,
    ...extra,
    lots,
    store,
    mqttUrl: url,
    username: 'ingest',
    password: passwordOf('ingest'),
    clientId,
    clock,
    logger: quietLogger(),
  });
  return ingest.start().then(() => ingest);
}

export async function startApi(lots: LotsFile, url: string, clock: Clock = systemClock, extra: Partial<ApiOptions> = {}): Promise<{ api: Api; base: string }> {
  const api = createApi({ lots, mqttUrl: url, username: 'api', password: passwordOf('api'), port: 0, clock, logger: quietLogger(), ...NO_RATE_LIMITS, ...extra });
  const { port } = await api.start();
  return { api, base: `http://127.0.0.1:${port}` };
}

/** Connects as `username` (password from passwordOf unless given); rejects with the CONNACK error. */
export async function connectClient(url: string, username: string, password = passwordOf(username), extra: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const client = mqtt.connect(url, { username, password, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000, ...extra });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error('connection closed before CONNACK')));
    });
  } catch (err) {
    client.end(true);
    throw err;
  }
  return client;
}

export const counterJson = (boot: number, seq: number, inCount: number, outCount: number, ts = Date.now()) =>
  JSON.stringify({ boot, seq, ts, in: inCount, out: outCount });

export function waitForOccupied(ingest: Ingest, lotId: string, occupied: number, timeoutMs = 5000) {
  return waitFor(() => ingest.ledger.status(lotId)?.occupied === occupied, { timeoutMs, what: `${lotId} occupied = ${occupied}` });
}

/** A ws client that collects every server message; `next(pred)` waits for a matching one. */
export async function liveClient(url: string, options: import('ws').ClientOptions = {}) {
  const { WebSocket } = await import('ws');
  const ws = new WebSocket(url, options);
  const messages: Array<Record<string, any>> = [];
  ws.on('message', (data, isBinary) => {
    if (!isBinary) messages.push(JSON.parse(data.toString()));
  });
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject).once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`))));
  let seen = 0;
  return {
    ws,
    messages,
    /** The next message from now on (or already received and not yet taken) that matches. */
    async next(match: (m: Record<string, any>) => boolean = () => true, what = 'a live message') {
      let found: Record<string, any> | undefined;
      await waitFor(
        () => {
          for (; seen < messages.length; seen++) {
            if (match(messages[seen]!)) {
              found = messages[seen++];
              return true;
            }
          }
          return false;
        },
        { what },
      );
      return found!;
    },
    send: (value: unknown) => ws.send(typeof value === 'string' ? value : JSON.stringify(value)),
    close: () => ws.terminate(),
  };
}

/** A clock tests move by hand. */
export function manualClock(startMs = Date.now()): Clock & { advance(ms: number): void; set(ms: number): void } {
  let now = startMs;
  return { now: () => now, advance: (ms) => void (now += ms), set: (ms) => void (now = ms) };
}
