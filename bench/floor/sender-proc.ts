/** Benchmark child: a plain TCP server that writes one 330-byte buffer to every connection on request. */
import { createServer, type Socket } from 'node:net';

const sockets: Socket[] = [];
const server = createServer((s) => {
  s.setNoDelay(true);
  s.on('error', () => {});
  sockets.push(s);
});
server.listen(0, '127.0.0.1', () => process.send!({ type: 'ready', port: (server.address() as { port: number }).port }));
const payload = Buffer.alloc(330, 0x61);
process.on('message', (m: { type: string }) => {
  if (m.type === 'send') {
    const started = performance.now();
    for (const s of sockets) s.write(payload);
    process.send!({ type: 'send', ms: performance.now() - started });
  }
  if (m.type === 'stop') {
    for (const s of sockets) s.destroy();
    server.close(() => process.exit(0));
  }
});
