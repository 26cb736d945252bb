/**
 * `manku broker-config mosquitto|nats --out DIR [--offline-minutes N]`: writes what an external
 * broker needs from the lots file (broker/mosquitto-config.ts, broker/nats-config.ts). Every file
 * is checked and rendered before any is written, and each lands by rename: an error leaves DIR
 * as it was.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mosquittoConfig, natsAuthConfig, type GeneratedFiles } from '../broker/index.js';
import { ConfigError, DEMO_LOTS_FILE, loadEnv, loadLotsFile } from './config.js';

const USAGE = 'usage: manku broker-config mosquitto|nats --out DIR [--offline-minutes N]';

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || value.startsWith('--')) throw new ConfigError(`${name} needs a value; ${USAGE}`);
  return value;
}

/** @returns the files written. */
export function brokerConfigCommand(args: string[], source: NodeJS.ProcessEnv = process.env): string[] {
  const [kind] = args;
  const out = option(args, '--out');
  if ((kind !== 'mosquitto' && kind !== 'nats') || !out) throw new ConfigError(USAGE);
  const offline = option(args, '--offline-minutes');
  const offlineMinutes = offline === undefined ? 10 : Number(offline);
  if (!Number.isInteger(offlineMinutes) || offlineMinutes < 1) throw new ConfigError(`--offline-minutes must be a whole number of minutes ≥ 1, not "${offline}"`);
  const env = loadEnv(source);
  const lots = loadLotsFile(env.LOTS_FILE ?? DEMO_LOTS_FILE);
  const dir = resolve(out);
  let generated: GeneratedFiles;
  if (kind === 'mosquitto') {
    if (env.MQTT_PORT === 'off') throw new ConfigError('MQTT_PORT is "off": mosquitto needs a listener port (MQTT_PORT) for the generated config');
    generated = mosquittoConfig({ lots, host: env.MQTT_HOST, port: env.MQTT_PORT, dir, maxPacketBytes: env.MQTT_MAX_SERVICE_PACKET_BYTES, offlineMinutes });
  } else {
    generated = natsAuthConfig({ lots });
  }
  if (!generated.ok) throw new ConfigError(generated.error);
  mkdirSync(dir, { recursive: true });
  const entries = Object.entries(generated.files);
  // The password file holds hashes only, still not for everyone to read.
  for (const [name, text] of entries) writeFileSync(join(dir, `.${name}.tmp`), text, { mode: 0o640 });
  for (const [name] of entries) renameSync(join(dir, `.${name}.tmp`), join(dir, name));
  return entries.map(([name]) => join(dir, name));
}
