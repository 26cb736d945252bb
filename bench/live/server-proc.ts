/** Benchmark child: broker + ingest (embedded store) + API in one process, as `npm start` runs them. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { createApi } from '../../api/index.js';
import { createBroker } from '../../broker/index.js';
import { LotsFile } from '../../core/index.js';
import { createIngest } from '../../ingest/index.js';
import { createEmbeddedStore } from '../../storage/index.js';

const lots = LotsFile.parse(JSON.parse(readFileSync(process.env.BENCH_LOTS_FILE!, 'utf8')));
const broker = createBroker({ lots, port: 0 });
const { port: mqttPort } = await broker.start();
const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
const ingest = createIngest({
  lots,
  store: createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-bench-live-')) }),
  mqttUrl,
  username: 'bench-ingest',
  password: 'bench',
  ...(process.env.BENCH_STATUS_INTERVAL_MS ? { statusIntervalMs: Number(process.env.BENCH_STATUS_INTERVAL_MS) } : {}),
});
await ingest.start();
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
// Every benchmark client comes from 127.0.0.1: no per-address cap here (as behind a proxy).
const api = createApi({ lots, mqttUrl, username: 'bench-api', password: 'bench', port: 0, maxClientsPerAddress: 0, upgradeLimits: { perSecond: 0, perAddressPerSecond: 0 } });
const { port: apiPort } = await api.start();

function memory() {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage();
}

process.send!({ type: 'ready', mqttPort, apiPort });
process.on('message', async (m: { type: string }) => {
  if (m.type === 'memory') process.send!({ type: 'memory', ...memory(), clients: api.hub.stats().clients });
  if (m.type === 'loop') {
    process.send!({ type: 'loop', p50Ms: loopDelay.percentile(50) / 1e6, p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 });
    loopDelay.reset();
  }
  if (m.type === 'stop') {
    await api.stop();
    await ingest.stop();
    await broker.stop();
    process.exit(0);
  }
});
