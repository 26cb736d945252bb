// testkit: helpers shared by tests and benchmarks (both import testkit/; tests never import bench/).
/**
 * A real mosquitto 2.0 (Debian) on a free loopback port, from the config `manku broker-config
 * mosquitto` generates for a lots file, in a temp dir of its own, stopped on teardown. mosquitto
 * cannot listen on port 0, so the port is found the usual way (bind 0, read it, close).
 *
 * @example const m = await startMosquitto({ lotsFile, port }); … MQTT_URL=m.url … await m.close();
 */
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerConfigCommand } from '../bin/broker-config.js';
import { assertInstalled, brokerProcess, type BrokerProcess } from './broker-process.js';
import { freePort } from './wait.js';

export interface Mosquitto extends BrokerProcess {
  url: string;
  port: number;
  /** Its config, password file, ACL and persistence. */
  dir: string;
  /** Stops it and removes its dir. */
  close(): Promise<void>;
}

/** Run as root mosquitto drops to user `mosquitto`: its dir must be that user's. */
function handOver(dir: string) {
  if (process.getuid?.() !== 0) return;
  const id = (flag: string) => Number(spawnSync('id', [flag, 'mosquitto'], { encoding: 'utf8' }).stdout.trim());
  const [uid, gid] = [id('-u'), id('-g')];
  if (!Number.isInteger(uid)) throw new Error('mosquitto runs as root here but there is no user "mosquitto" to hand its files to');
  chownSync(dir, uid, gid);
  for (const f of readdirSync(dir)) chownSync(join(dir, f), uid, gid);
}

export async function startMosquitto({
  lotsFile,
  port,
  env = {},
  onOutput,
  offlineMinutes,
}: {
  lotsFile: string;
  port?: number;
  env?: Record<string, string>;
  /** broker-config's `--offline-minutes` (its queue per client covers that many minutes of every sensor's messages). */
  offlineMinutes?: number;
  /** Every chunk of its log (stderr): output() keeps only the last 8,000 characters. */
  onOutput?: (text: string) => void;
}): Promise<Mosquitto> {
  assertInstalled('mosquitto', ['-h'], 'mosquitto');
  const p = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'manku-mosquitto-'));
  brokerConfigCommand(['mosquitto', '--out', dir, ...(offlineMinutes ? ['--offline-minutes', String(offlineMinutes)] : [])], { ...env, LOTS_FILE: lotsFile, MQTT_HOST: '127.0.0.1', MQTT_PORT: String(p) });
  handOver(dir);
  const proc = brokerProcess('mosquitto', ['-c', join(dir, 'mosquitto.conf')], [p], { what: 'mosquitto', onOutput });
  await proc.start();
  return Object.assign(proc, {
    url: `mqtt://127.0.0.1:${p}`,
    port: p,
    dir,
    async close() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
