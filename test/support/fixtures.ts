/** Pure fixtures for unit tests (no I/O): a well-formed password hash and a small lots file. */
import { LotsFile } from '../../core/index.js';

/** A hash the lots file accepts (usable scrypt parameters); no password matches it. */
export const FIXTURE_HASH = `scrypt$1024$8$1$AA==$${'A'.repeat(43)}=`;

/** One lot `lot-a` of 10 spaces with the given sensors. */
export function oneLot({ sensors = ['g1'], staleAfterS }: { sensors?: string[]; staleAfterS?: number } = {}): LotsFile {
  return LotsFile.parse({
    lots: [{ id: 'lot-a', name: { ja: 'A', en: 'A' }, capacity: 10, ...(staleAfterS ? { staleAfterS } : {}), sensors: sensors.map((id) => ({ id, passwordHash: FIXTURE_HASH })) }],
  });
}
