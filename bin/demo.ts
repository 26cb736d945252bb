/**
 * `npm run demo`: `npm start` (broker + ingest + API on the demo lots file) plus simulated gates
 * driving `demo-hospital` through a weekday from 06:00 at 60× real time, so the status moves
 * 空 → 混 → 満 and back within minutes. The store is a fresh temporary directory each time (the
 * simulated sensors start at boot 1, as new sensors would).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScenario, createSimulation, planDeliveries, truthAt } from '../firmware-sim/index.js';
import { startOfDayIn } from '../protocol/index.js';
import { DEMO_LOTS_FILE, loadLotsFile } from './config.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = process.env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'manku-demo-'));
const port = process.env.PORT ?? '8080';
const mqttPort = process.env.MQTT_PORT ?? '1883';
const service = spawn(process.execPath, ['--import', 'tsx', join(root, 'bin/manku.ts')], {
  env: { ...process.env, DATA_DIR: dataDir, PORT: port, MQTT_PORT: mqttPort, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
const stopService = () => service.exitCode === null && service.kill('SIGINT');
process.on('exit', stopService);

async function waitForApi() {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (service.exitCode !== null) throw new Error(`manku exited with ${service.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error('manku did not start within 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

await waitForApi();
// The demo lot's own day and clock (its `timeZone` in the demo lots file).
const { timeZone } = loadLotsFile(DEMO_LOTS_FILE).lots.find((l) => l.id === 'demo-hospital')!;
const day = startOfDayIn(timeZone, Date.now());
const scenario = createScenario({ name: 'weekday', seed: 1, startMs: day, capacity: 200, gates: 2 });
const plan = planDeliveries(scenario, {}, { seed: 1 });
const from = day + 6 * 3_600_000;
plan.deliveries = plan.deliveries.filter((d) => d.atMs >= from && d.atMs < day + 20 * 3_600_000);
console.log(`manku demo: http://127.0.0.1:${port}/api/v1/lots/demo-hospital  (live: ws://127.0.0.1:${port}/api/v1/live?lots=demo-hospital)`);
console.log('simulating a hospital weekday from 06:00 at 60× real time; Ctrl-C to stop');
const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' });
let lastLine = 0;
const sim = createSimulation({
  mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
  lotId: 'demo-hospital',
  sensors: [
    { id: 'demo-gate-1', password: 'demo' },
    { id: 'demo-gate-2', password: 'demo' },
  ],
  plan,
  speed: 60,
  stampNow: true,
  onProgress: async ({ virtualMs }) => {
    if (Date.now() - lastLine < 2000) return;
    lastLine = Date.now();
    const shown = (await fetch(`http://127.0.0.1:${port}/api/v1/lots/demo-hospital`).then((r) => r.json(), () => null)) as { label?: string; occupied?: number } | null;
    console.log(`virtual ${time.format(virtualMs)} (${timeZone}) | true ${truthAt(scenario, virtualMs)} cars | manku shows ${shown?.label ?? '?'} ${shown?.occupied ?? ''}/200`);
  },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await sim.stop();
    stopService();
    process.exit(0);
  });
}
await sim.run();
console.log('the simulated day is over; the service keeps running (Ctrl-C to stop)');
