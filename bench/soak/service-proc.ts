/**
 * Soak child: one part of a split deployment (SOAK_ROLE = broker | ingest | api) in its own
 * process, as `manku broker|ingest|api` would run it, reporting memory and loop delay over IPC.
 * An ingest with SOAK_PARTITION=k/N owns partition k of N (INGEST_PARTITION), with its client id.
 * Log lines at warn or above go to stderr and are counted: the soak's "errors".
 */
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { createApi } from '../../api/index.js';
import { createBroker } from '../../broker/index.js';
import { ingestPartitionOf } from '../../bin/config.js';
import { LotsFile, PartitionText } from '../../core/index.js';
import { createIngest } from '../../ingest/index.js';
import { createInfluxStore } from '../../storage/index.js';
import { reportEvery, retainedMemory, runLag } from './report.js';
import { profileOff, profileOn } from '../support/profile.js';

const { SOAK_ROLE, SOAK_LOTS_FILE, SOAK_MQTT_URL, SOAK_INFLUX_URL, SOAK_PARTITION = '1/1' } = process.env;
const lots = LotsFile.parse(JSON.parse(readFileSync(SOAK_LOTS_FILE!, 'utf8')));
const logged = { warn: 0, error: 0, fatal: 0, uncaught: 0 };
const firstProblems: string[] = [];
const logger = pino(
  {
    level: 'warn',
    hooks: {
      logMethod(args, method, level) {
        const name = level >= 60 ? 'fatal' : level >= 50 ? 'error' : 'warn';
        logged[name] += 1;
        if (firstProblems.length < 5) firstProblems.push(JSON.stringify(args).slice(0, 300));
        return method.apply(this, args);
      },
    },
  },
  pino.destination(2),
);
process.on('uncaughtException', (err) => {
  logged.uncaught += 1;
  if (firstProblems.length < 5) firstProblems.push(String(err.stack ?? err));
});

let ready: Record<string, unknown> = {};
let stop: () => Promise<void>;
let extra: () => Record<string, unknown> = () => ({});
if (SOAK_ROLE === 'broker') {
  const broker = createBroker({ lots, port: 0, logger });
  ready = { port: (await broker.start()).port };
  stop = () => broker.stop();
} else if (SOAK_ROLE === 'ingest') {
  const store = createInfluxStore({ url: SOAK_INFLUX_URL!, logger });
  const { partition, clientId } = ingestPartitionOf({ INGEST_PARTITION: PartitionText.parse(SOAK_PARTITION) });
  const ingest = createIngest({ lots, store, mqttUrl: SOAK_MQTT_URL!, username: 'bench-ingest', password: 'bench', logger, partition, clientId });
  await ingest.start();
  extra = () => {
    const s = ingest.stats();
    const st = store.stats();
    return { accepted: s.accepted, rejected: Object.values(s.rejected).reduce((a, n) => a + n, 0), stored: st.written, buffered: st.buffered, dropped: st.dropped };
  };
  stop = () => ingest.stop();
} else {
  // Every soak client comes from 127.0.0.1: no per-address cap (as behind a proxy).
  const api = createApi({ lots, mqttUrl: SOAK_MQTT_URL!, username: 'bench-api', password: 'bench', port: 0, maxClientsPerAddress: 0, // every load client is 127.0.0.1: the per-address limits would refuse them
    upgradeLimits: { perSecond: 0, perAddressPerSecond: 0 }, rateLimit: { perSecond: 0, burst: 1, maxAddresses: 1 }, logger });
  ready = { port: (await api.start()).port };
  extra = () => {
    const { clients, dropped } = api.hub.stats();
    return { clients, wsDropped: Object.values(dropped).reduce((a, n) => a + n, 0) };
  };
  stop = () => api.stop();
}
const stopReports = reportEvery(10_000, () => ({ ...extra(), ...logged }));
process.send!({ type: 'ready', ...ready });
process.on('message', async (m: { type: string }) => {
  if (m.type === 'profile-on') await profileOn();
  if (m.type === 'profile-off') {
    await profileOff((m as { type: string; file: string }).file);
    process.send!({ type: 'profile-off' });
  }
  if (m.type === 'lag-reset') runLag.reset();
  if (m.type === 'retained') process.send!({ type: 'retained', ...retainedMemory() });
  if (m.type === 'stats') process.send!({ type: 'stats', ...extra(), ...logged, firstProblems, cpuUs: process.cpuUsage(), runLag: runLag.read() });
  if (m.type === 'stop') {
    stopReports();
    await stop();
    process.exit(0);
  }
});
