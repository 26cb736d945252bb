import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoCredentials, loadConfig, loadEnv, loadLotsFile } from '../../bin/config.js';
import { envError } from '../support/env.js';

const dir = mkdtempSync(join(tmpdir(), 'manku-config-'));
const write = (name: string, value: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
};
const hash = 'scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
const lot = (id: string, sensors: string[]) => ({
  id,
  name: { ja: 'x', en: 'x' },
  capacity: 10,
  sensors: sensors.map((s) => ({ id: s, passwordHash: hash })),
});

describe('environment', () => {
  it('has working defaults', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({ MQTT_HOST: '127.0.0.1', MQTT_PORT: 1883, HOST: '127.0.0.1', PORT: 8080, DATA_DIR: './data' });
    expect(env.INFLUX_URL).toBeUndefined();
  });

  it('names the bad variable', () => {
    expect(() => loadEnv({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadEnv({ INFLUX_URL: 'ftp://x/y' })).toThrow(/INFLUX_URL/);
    expect(() => loadEnv({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadEnv({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });

  it('refuses an INFLUX_URL without a usable database name, in one line with an example', () => {
    for (const bad of ['http://127.0.0.1:8086/', 'http://127.0.0.1:8086', 'http://127.0.0.1:8086/bad name', 'http://127.0.0.1:8086/%zz', 'not a url']) {
      expect(envError({ INFLUX_URL: bad }), bad).toMatch(/^invalid environment: INFLUX_URL: .*e\.g\. http:\/\/127\.0\.0\.1:8086\/manku$/);
    }
    expect(loadEnv({ INFLUX_URL: 'https://user:pw@influx.example:8086/manku_1' }).INFLUX_URL).toBe('https://user:pw@influx.example:8086/manku_1');
  });

  it('does not repeat a bad INFLUX_URL, which may carry a password', () => {
    expect(envError({ INFLUX_URL: 'http://user:secret@127.0.0.1:8086/' })).not.toContain('secret');
  });

  it('lists several bad variables, one a line', () => {
    const lines = envError({ PORT: 'eighty', LOG_LEVEL: 'loud' }).split('\n');
    expect(lines[0]).toBe('invalid environment:');
    expect(lines.slice(1).map((l) => l.match(/^  (\w+): /)?.[1]).sort()).toEqual(['LOG_LEVEL', 'PORT']);
  });

  it('treats an empty variable as unset', () => {
    expect(loadEnv({ INFLUX_URL: '' }).INFLUX_URL).toBeUndefined();
  });

  it('uses the demo lots file when LOTS_FILE is unset, and derives the broker URL', () => {
    const c = loadConfig({ MQTT_PORT: '1999' });
    expect(c.lots.lots[0]?.id).toBe('demo-hospital');
    expect(c.lots.lots[0]?.sensors.map((s) => s.id)).toEqual(['demo-gate-1', 'demo-gate-2']);
    expect(c.mqttUrl).toBe('mqtt://127.0.0.1:1999');
  });
});

describe('lots file', () => {
  it('applies defaults: stale window 180 s, Asia/Tokyo, DATEX II thresholds', () => {
    const lots = loadLotsFile(write('ok.json', { lots: [lot('a', ['g1'])] }));
    expect(lots.lots[0]).toMatchObject({ staleAfterS: 180, timeZone: 'Asia/Tokyo', thresholds: { almostFullIncreasing: 80, fullIncreasing: 95 } });
  });

  it('names the bad key', () => {
    expect(() => loadLotsFile(write('cap.json', { lots: [{ ...lot('a', ['g1']), capacity: -1 }] }))).toThrow(/lots\.0\.capacity/);
    expect(() => loadLotsFile(write('extra.json', { lots: [{ ...lot('a', ['g1']), colour: 'red' }] }))).toThrow(/colour/);
    expect(() => loadLotsFile(write('hash.json', { lots: [{ ...lot('a', ['g1']), sensors: [{ id: 'g1', passwordHash: 'demo' }] }] }))).toThrow(/hash-password/);
  });

  it('refuses a sensor id used twice or shared with an account', () => {
    expect(() => loadLotsFile(write('dup.json', { lots: [lot('a', ['g1']), lot('b', ['g1'])] }))).toThrow(/"g1" is used twice/);
    expect(() =>
      loadLotsFile(write('acct.json', { lots: [lot('a', ['g1'])], accounts: [{ username: 'g1', role: 'reader', passwordHash: hash }] })),
    ).toThrow(/used twice/);
  });

  it('says when the file is missing or not JSON', () => {
    expect(() => loadLotsFile(join(dir, 'missing.json'))).toThrow(/cannot read lots file/);
    expect(() => loadLotsFile(write('bad.json', '{'))).toThrow(/cannot read lots file/);
  });
});

describe('demo credentials', () => {
  it('finds every account whose password is "demo"', async () => {
    const names = await demoCredentials(loadConfig({}));
    expect(names).toEqual(['demo-gate-1', 'demo-gate-2', 'demo-reader', 'demo-api', 'demo-ingest', 'demo-push', 'INGEST_MQTT_PASSWORD', 'API_MQTT_PASSWORD']);
  });

  it('checks only what the running role uses', async () => {
    const config = loadConfig({});
    expect(await demoCredentials(config, 'broker')).toEqual(['demo-gate-1', 'demo-gate-2', 'demo-reader', 'demo-api', 'demo-ingest', 'demo-push']);
    expect(await demoCredentials(config, 'push')).toEqual([]); // no NGSI_PUSH_URL: the push does not run
    expect(await demoCredentials(loadConfig({ NGSI_PUSH_URL: 'http://orion:1026' }), 'push')).toEqual(['PUSH_MQTT_PASSWORD']);
    expect(await demoCredentials(config, 'ingest')).toEqual(['INGEST_MQTT_PASSWORD']);
    expect(await demoCredentials(config, 'api')).toEqual(['API_MQTT_PASSWORD']);
    const real = loadConfig({ LOTS_FILE: write('real-split.json', { lots: [lot('a', ['g1'])] }), INGEST_MQTT_PASSWORD: 'x1' });
    expect(await demoCredentials(real, 'ingest')).toEqual([]);
    expect(await demoCredentials(real, 'broker')).toEqual([]);
    expect(await demoCredentials(real, 'api')).toEqual(['API_MQTT_PASSWORD']);
  });

  it('finds none in a lots file without them', async () => {
    const path = write('real.json', { lots: [lot('a', ['g1'])] });
    const names = await demoCredentials(loadConfig({ LOTS_FILE: path, INGEST_MQTT_PASSWORD: 'x1', API_MQTT_PASSWORD: 'x2' }));
    expect(names).toEqual([]);
  });
});

describe('METRICS_TOKEN', () => {
  it('is optional, and at least 16 characters when set', () => {
    expect(loadEnv({}).METRICS_TOKEN).toBeUndefined();
    expect(loadEnv({ METRICS_TOKEN: 'a'.repeat(16) }).METRICS_TOKEN).toBe('a'.repeat(16));
    expect(() => loadEnv({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
  });
});
