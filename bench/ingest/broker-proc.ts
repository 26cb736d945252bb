/** Benchmark child: the broker alone in its own process, as in a split deployment. */
import { readFileSync } from 'node:fs';
import { createBroker } from '../../broker/index.js';
import { LotsFile } from '../../core/index.js';

const lots = LotsFile.parse(JSON.parse(readFileSync(process.env.BENCH_LOTS_FILE!, 'utf8')));
const broker = createBroker({ lots, port: 0 });
const { port } = await broker.start();
process.send!({ type: 'ready', port });
process.on('message', async (m: { type: string }) => {
  if (m.type === 'stop') {
    await broker.stop();
    process.exit(0);
  }
});
