/**
 * A real `influxd` (Debian's influxdb 1.6) on free loopback ports with its data in a temp dir.
 * Missing influxd is an error, never a skip: install it with `apt-get install -y influxdb`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitFor } from './wait.js';

export interface Influxd {
  /** Base URL without a database, e.g. http://127.0.0.1:41234 */
  url: string;
  stop(): Promise<void>;
  /** Starts it again on the same ports and data. */
  start(): Promise<void>;
  readonly running: boolean;
  /** Its process id while it runs (benchmarks read its CPU time). */
  readonly pid: number | null;
}

export function assertInfluxdInstalled() {
  const r = spawnSync('influxd', ['version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error('influxd not found: the tests need a real InfluxDB 1.x (apt-get install -y influxdb)');
  }
}

export async function startInfluxd(dir: string): Promise<Influxd> {
  assertInfluxdInstalled();
  const [httpPort, rpcPort] = [await freePort(), await freePort()];
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'influxdb.conf');
  writeFileSync(
    conf,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
`,
  );
  const url = `http://127.0.0.1:${httpPort}`;
  let child: ChildProcess | null = null;
  let log = '';

  async function start() {
    log = '';
    const c = spawn('influxd', ['run', '-config', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout?.on('data', (d) => (log = (log + d).slice(-4000)));
    c.stderr?.on('data', (d) => (log = (log + d).slice(-4000)));
    await waitFor(
      async () => {
        if (c.exitCode !== null) throw new Error(`influxd exited with ${c.exitCode}:\n${log}`);
        const res = await fetch(`${url}/ping`).catch(() => null);
        return res?.status === 204;
      },
      { timeoutMs: 20_000, what: 'influxd to answer /ping' },
    );
  }

  async function stop() {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    c.kill('SIGTERM');
    const exited = new Promise((r) => c.once('exit', r));
    const t = setTimeout(() => c.kill('SIGKILL'), 8000);
    await exited;
    clearTimeout(t);
  }

  await start();
  return {
    url,
    start,
    stop,
    get running() {
      return child !== null && child.exitCode === null;
    },
    get pid() {
      return child?.pid ?? null;
    },
  };
}
