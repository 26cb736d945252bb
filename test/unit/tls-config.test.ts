import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiUrlOf } from '../../bin/admin.js';
import { loadConfig, loadEnv } from '../../bin/config.js';
import { apiTlsOf, brokerTlsOf, mqttClientTlsOf, mqttUrlOf } from '../../bin/tls-config.js';
import { envError } from '../support/env.js';

const certs = { TLS_CERT_FILE: 'server.crt', TLS_KEY_FILE: 'server.key' };

describe('TLS variables', () => {
  it('are off by default: no TLS listener, plain broker URL, plain API', () => {
    const env = loadEnv({});
    expect(env.MQTT_PORT).toBe(1883);
    expect(brokerTlsOf(env)).toBeUndefined();
    expect(apiTlsOf(env)).toBeUndefined();
    expect(mqttUrlOf(env)).toBe('mqtt://127.0.0.1:1883');
  });

  it('with a certificate: MQTT over TLS on 8883 beside the plain port, the API on https', () => {
    const env = loadEnv(certs);
    expect(brokerTlsOf(env)).toEqual({ certFile: 'server.crt', keyFile: 'server.key', port: 8883 });
    expect(apiTlsOf(env)).toEqual({ certFile: 'server.crt', keyFile: 'server.key' });
    expect(mqttUrlOf(env)).toBe('mqtt://127.0.0.1:1883'); // ingest and the API stay on loopback's plain port
    expect(apiUrlOf(env)).toBe('https://127.0.0.1:8080');
  });

  it('MQTT_PORT=off: ingest and the API reach the TLS port, on loopback when the broker binds every address', () => {
    expect(mqttUrlOf(loadEnv({ ...certs, MQTT_PORT: 'off' }))).toBe('mqtts://127.0.0.1:8883');
    expect(mqttUrlOf(loadEnv({ ...certs, MQTT_PORT: 'off', MQTT_HOST: '0.0.0.0', MQTT_TLS_PORT: '9883' }))).toBe('mqtts://127.0.0.1:9883');
    expect(mqttUrlOf(loadEnv({ ...certs, MQTT_PORT: 'off', MQTT_HOST: '::' }))).toBe('mqtts://127.0.0.1:8883');
    expect(mqttUrlOf(loadEnv({ ...certs, MQTT_PORT: 'off', MQTT_HOST: '::1' }))).toBe('mqtts://[::1]:8883');
    expect(mqttUrlOf(loadEnv({ ...certs, MQTT_PORT: 'off', MQTT_URL: 'mqtts://broker.example.jp:8883' }))).toBe('mqtts://broker.example.jp:8883');
  });

  it('client certificates: optional by default once MQTT_TLS_CA_FILE is set, or required', () => {
    expect(brokerTlsOf(loadEnv({ ...certs, MQTT_TLS_CA_FILE: 'clients-ca.crt' }))).toMatchObject({ caFile: 'clients-ca.crt', clientCert: 'optional' });
    expect(brokerTlsOf(loadEnv({ ...certs, MQTT_TLS_CA_FILE: 'clients-ca.crt', MQTT_TLS_CLIENT_CERT: 'required' }))).toMatchObject({ clientCert: 'required' });
  });

  it('the API has its own certificate, or none with API_TLS_CERT_FILE=off', () => {
    expect(apiTlsOf(loadEnv({ ...certs, API_TLS_CERT_FILE: 'api.crt', API_TLS_KEY_FILE: 'api.key' }))).toEqual({ certFile: 'api.crt', keyFile: 'api.key' });
    expect(apiTlsOf(loadEnv({ API_TLS_CERT_FILE: 'api.crt', API_TLS_KEY_FILE: 'api.key' }))).toEqual({ certFile: 'api.crt', keyFile: 'api.key' });
    const off = loadEnv({ ...certs, API_TLS_CERT_FILE: 'off' });
    expect(apiTlsOf(off)).toBeUndefined();
    expect(apiUrlOf(off)).toBe('http://127.0.0.1:8080');
  });

  it('refuses combinations that cannot work, naming the variable and what to do', () => {
    expect(envError({ TLS_CERT_FILE: 'server.crt' })).toBe('invalid environment: TLS_CERT_FILE: set it together with TLS_KEY_FILE (or neither)');
    expect(envError({ MQTT_PORT: 'off' })).toMatch(/^invalid environment: MQTT_PORT: "off" leaves the broker no listener; set TLS_CERT_FILE and TLS_KEY_FILE/);
    expect(envError({ MQTT_TLS_PORT: '8883' })).toMatch(/^invalid environment: MQTT_TLS_PORT: needs TLS_CERT_FILE/);
    expect(envError({ ...certs, MQTT_TLS_CLIENT_CERT: 'required' })).toMatch(/MQTT_TLS_CLIENT_CERT: needs MQTT_TLS_CA_FILE/);
    expect(envError({ ...certs, MQTT_PORT: '8883' })).toMatch(/MQTT_TLS_PORT: 8883 is MQTT_PORT too/);
    expect(envError({ API_TLS_KEY_FILE: 'api.key' })).toMatch(/API_TLS_CERT_FILE: set it together with API_TLS_KEY_FILE/);
    expect(envError({ MQTT_TLS_CLIENT_CERT: 'sometimes' })).toMatch(/MQTT_TLS_CLIENT_CERT/);
    expect(envError({ MQTT_PORT: 'closed' })).toMatch(/MQTT_PORT/);
    const several = envError({ TLS_CERT_FILE: 'server.crt', MQTT_TLS_PORT: '1' }).split('\n');
    expect(several[0]).toBe('invalid environment:');
    expect(several.length).toBe(3);
  });
});

describe('TLS files at start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'manku-tls-config-'));
  const pem = join(dir, 'ca.crt');
  writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const notPem = join(dir, 'not.crt');
  writeFileSync(notPem, 'hello');

  it('a missing or unusable certificate stops start-up naming its variables', () => {
    expect(() => loadConfig({ TLS_CERT_FILE: join(dir, 'missing.crt'), TLS_KEY_FILE: join(dir, 'missing.key') })).toThrow(/^TLS_CERT_FILE\/TLS_KEY_FILE: cannot read the certificate file .*missing\.crt/);
    expect(() => loadConfig({ TLS_CERT_FILE: notPem, TLS_KEY_FILE: notPem })).toThrow(/^TLS_CERT_FILE\/TLS_KEY_FILE: the certificate file .*not\.crt holds no PEM certificate/);
  });

  it('MQTT_CA_FILE is read at start; a missing or non-PEM one names the variable', () => {
    expect(mqttClientTlsOf(loadEnv({ MQTT_CA_FILE: pem, MQTT_URL: 'mqtts://broker.example.jp:8883', MQTT_SERVERNAME: 'broker.example.jp' }))).toEqual({
      ca: expect.stringContaining('BEGIN CERTIFICATE'),
      servername: 'broker.example.jp',
    });
    expect(() => loadConfig({ MQTT_CA_FILE: join(dir, 'missing.crt') })).toThrow(/^MQTT_CA_FILE: cannot read/);
    expect(() => loadConfig({ MQTT_CA_FILE: notPem })).toThrow(/^MQTT_CA_FILE: .* holds no PEM certificate/);
  });

  it('without MQTT_CA_FILE, plain URLs need no CA', () => {
    expect(mqttClientTlsOf(loadEnv({}))).toEqual({});
  });
});
