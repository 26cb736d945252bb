/**
 * `npm run bench -- limits`: what the per-address limits cost. Memory per tracked address with the
 * table full (RATE_LIMIT_MAX_ADDRESSES), that the table stays at its cap under a flood of new
 * addresses, and the time of one check (address key + bucket) on the hot path.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { addressKey } from '../../api/client-address.js';
import { createKeyedLimiter } from '../../core/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

/** A deterministic spread of IPv4 addresses (no randomness: the same run every time). */
const ipv4 = (i: number) => `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;

export async function limitsBench({ addresses, takes }: { addresses: number; takes: number }) {
  const limiter = createKeyedLimiter({ perSecond: 50, burst: 500, maxKeys: addresses });
  const keys = Array.from({ length: addresses * 4 }, (_, i) => ipv4(i));
  const before = heap();
  for (let i = 0; i < addresses; i++) limiter.take(keys[i]!, 0);
  const bytesPerAddress = Math.round((heap() - before) / addresses);

  // A flood of 3× as many new addresses within one second: the table stays at its cap.
  for (let i = addresses; i < keys.length; i++) limiter.take(keys[i]!, 500);
  const sizeAfterFlood = limiter.size;

  const started = performance.now();
  for (let i = 0; i < takes; i++) limiter.take(addressKey(keys[i % keys.length]!), 1000 + i / 1000);
  const nsPerCheck = Math.round(((performance.now() - started) * 1e6) / takes);

  const v6 = '2001:db8:1:2:3:4:5:6';
  const t6 = performance.now();
  for (let i = 0; i < takes; i++) addressKey(v6);
  const nsPerIpv6Key = Math.round(((performance.now() - t6) * 1e6) / takes);

  const figures = { addresses, bytesPerAddress, tableMiB: +((bytesPerAddress * addresses) / 2 ** 20).toFixed(1), sizeAfterFlood, takes, nsPerCheck, nsPerIpv6Key };
  console.table(figures);
  return { params: { addresses, takes }, figures };
}
