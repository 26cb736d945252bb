/** A lots file for the NGSI tests: `lot-a` with the demo lot's place (location, address, ...), `lot-b` without a location. */
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
