/**
 * What the soak reads of a real mosquitto (`npm run bench -- soak --broker mosquitto`): its RSS and
 * CPU time from /proc (testkit/proc-stats.ts) and every line of its log (startMosquitto's onOutput,
 * brokerProcess's).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerProcess } from '../../testkit/broker-process.js';
import { createSite } from '../../testkit/drills/site.js';
import { startMosquitto, type Mosquitto } from '../../testkit/mosquitto.js';
import { procStats } from '../../testkit/proc-stats.js';
import { freePort, waitFor } from '../../testkit/wait.js';

describe('a mosquitto process seen from /proc', () => {
  let dir: string;
  let mosquitto: Mosquitto;
  let logged = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'manku-proc-stats-'));
    const site = await createSite(dir, { lots: 1, gatesPerLot: 1, hashFormat: 'mosquitto' });
    mosquitto = await startMosquitto({ lotsFile: site.env.LOTS_FILE!, onOutput: (text) => (logged += text) });
  }, 60_000);

  afterAll(async () => {
    await mosquitto?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads its resident memory as ps does', () => {
    const pid = mosquitto.pid!;
    const psKiB = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim());
    const { rssMiB } = procStats(pid);
    expect(psKiB).toBeGreaterThan(0);
    expect(Math.abs(rssMiB * 1024 - psKiB)).toBeLessThan(1024); // both read the kernel's count; mosquitto may allocate between the two reads
  });

  it('reads its CPU time in microseconds, as process.cpuUsage() gives it', () => {
    const { cpuUs } = procStats(mosquitto.pid!);
    for (const t of [cpuUs.user, cpuUs.system]) {
      expect(Number.isFinite(t)).toBe(true);
      expect(t).toBeGreaterThanOrEqual(0);
      expect(t % 10_000).toBe(0); // whole clock ticks (CLK_TCK 100 here)
    }
  });

  it('logs nothing while nothing goes wrong (the generated config logs errors, warnings, notices): the soak counts every line', () => {
    expect(logged).toBe('');
  });

  it('refuses a process that does not exist, naming its /proc file', () => {
    expect(() => procStats(2 ** 22 + 1)).toThrow(/\/proc\/4194305\/status/);
  });
});

describe('brokerProcess output', () => {
  it('hands every chunk to onOutput, not only the last 8,000 characters output() keeps', async () => {
    const port = await freePort();
    // a stand-in server: 20,000 numbered lines on stdout, then it listens
    const script = `for (let i = 0; i < 20000; i++) process.stdout.write(i + '\\n'); require('node:net').createServer().listen(${port}, '127.0.0.1');`;
    let seen = '';
    const server = brokerProcess(process.execPath, ['-e', script], [port], { what: 'stand-in', onOutput: (text) => (seen += text) });
    await server.start();
    try {
      await waitFor(() => seen.endsWith('19999\n'), { timeoutMs: 10_000, what: 'the last line' });
      expect(seen.split('\n').slice(0, -1)).toEqual(Array.from({ length: 20000 }, (_, i) => String(i)));
      expect(server.output().length).toBe(8000);
    } finally {
      await server.stop();
    }
  });
});
