/** NGSI test helpers. A lots file for the NGSI tests: `lot-a` with the demo lot's place (location, address, ...), `lot-b` without a location. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashPassword } from '../../broker/index.js';
import { DEMO_LOTS_FILE, loadLotsFile } from '../../bin/config.js';
import { LotsFile } from '../../core/index.js';
import { passwordOf } from './stack.js';

export async function ngsiLots({ staleAfterS = 180 }: { staleAfterS?: number } = {}): Promise<LotsFile> {
  const hash = (u: string) => hashPassword(passwordOf(u), { N: 1024 });
  const { location, address, category, url, operator } = loadLotsFile(DEMO_LOTS_FILE).lots[0]!;
  return LotsFile.parse({
    lots: [
      { id: 'lot-a', name: { ja: 'A 駐車場', en: 'Lot A' }, capacity: 10, staleAfterS, location, address, category, url, operator, sensors: [{ id: 'gate-a1', passwordHash: await hash('gate-a1') }] },
      { id: 'lot-b', name: { ja: 'B 駐車場', en: 'Lot B' }, capacity: 100, sensors: [{ id: 'gate-b1', passwordHash: await hash('gate-b1') }] },
    ],
    accounts: [
      { username: 'api', role: 'api', passwordHash: await hash('api') },
      { username: 'ingest', role: 'ingest', passwordHash: await hash('ingest') },
      { username: 'push', role: 'push', passwordHash: await hash('push') },
    ],
  });
}

export interface Captured {
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
  atMs: number;
}

/** A stand-in for the city's broker: records every request, answers with the next queued status (then 204). */
export async function receiver(port = 0) {
  const requests: Captured[] = [];
  const answers: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')), atMs: Date.now() });
      const status = answers.shift() ?? 204;
      res.writeHead(status, status >= 400 ? { 'content-type': 'application/json' } : {}).end(status >= 400 ? '{"error":"test"}' : undefined);
    });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    port: (server.address() as AddressInfo).port,
    requests,
    answers,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

