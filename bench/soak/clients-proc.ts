/**
 * Soak load generator (its own process): SOAK_CLIENTS WebSocket clients of /api/v1/live, client i
 * subscribed to lot i mod lots. Counts frames, unexpected closes and errors; one frame in 100 is
 * parsed for its delay (now - the status's observedAt: sensor message received by ingest ->
 * broker -> API -> this client).
 */
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { reportEvery } from './report.js';

const { SOAK_WS_URL, SOAK_CLIENTS, SOAK_LOTS } = process.env;
const lotIds = JSON.parse(readFileSync(SOAK_LOTS!, 'utf8')) as string[];
const total = Number(SOAK_CLIENTS);
const counts = { connected: 0, frames: 0, closes: 0, errors: 0, serverErrors: 0 };
let delays: number[] = [];
let stopping = false;

function open(i: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(SOAK_WS_URL!, { perMessageDeflate: false, skipUTF8Validation: true });
    ws.on('open', () => {
      counts.connected += 1;
      ws.send(JSON.stringify({ type: 'subscribe', lots: [lotIds[i % lotIds.length]] }));
      resolve();
    });
    ws.on('message', (data: Buffer) => {
      counts.frames += 1;
      if (counts.frames % 100 === 0) {
        const msg = JSON.parse(data.toString()) as { type: string; status?: { observedAt: string | null } };
        if (msg.type === 'error') counts.serverErrors += 1;
        else if (msg.status?.observedAt) delays.push(Date.now() - Date.parse(msg.status.observedAt));
      }
    });
    ws.on('error', () => {
      counts.errors += 1;
      resolve();
    });
    ws.on('close', () => {
      counts.connected -= 1;
      if (!stopping) counts.closes += 1;
    });
  });
}

for (let i = 0; i < total; i += 250) await Promise.all(Array.from({ length: Math.min(250, total - i) }, (_, k) => open(i + k)));
process.send!({ type: 'ready', connected: counts.connected });
reportEvery(10_000, () => {
  const sorted = delays.sort((a, b) => a - b);
  const p = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : null);
  delays = [];
  return { ...counts, delayP50Ms: p(0.5), delayP99Ms: p(0.99) };
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'stop') {
    stopping = true;
    process.exit(0);
  }
});
