/** The broker's abuse limits as pure logic: the fixed-header scanner, login lockout, caps. */
import mqttPacket from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { brokerLimitsOf, loadEnv } from '../../bin/config.js';
import { DEFAULT_BROKER_LIMITS } from '../../broker/index.js';
import { createConnectionCap } from '../../broker/connection-cap.js';
import { createLoginGuard } from '../../broker/login-guard.js';
import { createHeaderScanner } from '../../broker/packet-guard.js';
import { createSensorRates } from '../../broker/sensor-rates.js';

const publish = (payloadBytes: number, messageId = 1) =>
  mqttPacket.generate({ cmd: 'publish', topic: 'parking/v1/lot-a/gate-a1/counter', payload: Buffer.alloc(payloadBytes, 0x7b), qos: 1, messageId, dup: false, retain: false });

describe('fixed-header scanner', () => {
  it('passes a stream of valid packets, whole or split at every byte', () => {
    const stream = Buffer.concat([publish(100), publish(4000), mqttPacket.generate({ cmd: 'pingreq' }), publish(0)]);
    expect(createHeaderScanner(() => 4096)(stream)).toBeNull();
    const scan = createHeaderScanner(() => 4096);
    const refusals = Array.from(stream, (_, i) => scan(stream.subarray(i, i + 1))).filter((r) => r !== null);
    expect(refusals).toEqual([]);
  });

  it('refuses a packet from its announced length, before any of its body', () => {
    const big = publish(5000);
    const header = big.subarray(0, 3); // type byte + 2-byte remaining length
    const scan = createHeaderScanner(() => 4096);
    expect(scan(publish(10))).toBeNull();
    expect(scan(header)).toEqual({ kind: 'oversize', message: `packet of ${big.length - 3} bytes announced, limit is 4096` });
  });

  it('refuses the largest length MQTT allows (256 MiB) from 5 bytes', () => {
    expect(createHeaderScanner(() => 4096)(Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]))?.kind).toBe('oversize');
  });

  it('a remaining length of more than 4 bytes is a protocol error [MQTT-2.2.3]', () => {
    const scan = createHeaderScanner(() => 1 << 30);
    expect(scan(Buffer.from([0x30, 0x80, 0x80, 0x80]))).toBeNull();
    expect(scan(Buffer.from([0x80]))?.kind).toBe('protocol-error');
  });

  it('a length exactly at the limit passes, one above does not', () => {
    expect(createHeaderScanner(() => 200)(Buffer.from([0x30, 0xc8, 0x01]))).toBeNull(); // 200
    expect(createHeaderScanner(() => 200)(Buffer.from([0x30, 0xc9, 0x01]))?.kind).toBe('oversize'); // 201
  });
});

describe('login guard', () => {
  const options = { maxFailures: 3, maxFailuresPerAddress: 5, windowMs: 10_000, lockoutMs: 1000, maxLockoutMs: 8000 };

  it('locks a username after maxFailures within the window, for lockoutMs', () => {
    const g = createLoginGuard(options);
    for (const t of [0, 1, 2]) {
      expect(g.locked('gate-a1', '10.0.0.1', t)).toBeNull();
      g.failed('gate-a1', '10.0.0.1', t);
    }
    expect(g.locked('gate-a1', '10.0.0.9', 3)).toBe('username'); // from any address
    expect(g.locked('gate-a2', '10.0.0.1', 3)).toBeNull(); // other usernames are not
    expect(g.locked('gate-a1', '10.0.0.1', 1002)).toBeNull();
  });

  it('treats unknown usernames exactly as known ones (no hint whether one exists)', () => {
    const g = createLoginGuard(options);
    for (const t of [0, 1, 2]) g.failed('no-such-user', '10.0.0.1', t);
    expect(g.locked('no-such-user', '10.0.0.2', 3)).toBe('username');
  });

  it('doubles each further lockout up to maxLockoutMs, and forgets after a quiet maxLockoutMs', () => {
    const g = createLoginGuard({ ...options, maxFailuresPerAddress: 1000 });
    let t = 0;
    const lockoutLength = () => {
      for (let i = 0; i < 3; i++) g.failed('u', `a${t}`, t);
      const from = t;
      while (g.locked('u', 'x', t)) t += 1;
      return t - from;
    };
    expect([lockoutLength(), lockoutLength(), lockoutLength(), lockoutLength(), lockoutLength()]).toEqual([1000, 2000, 4000, 8000, 8000]);
    t += 8001;
    expect(lockoutLength()).toBe(1000);
  });

  it('failures outside the window do not add up', () => {
    const g = createLoginGuard(options);
    g.failed('u', 'a', 0);
    g.failed('u', 'a', 1);
    g.failed('u', 'a', 10_001);
    expect(g.locked('u', 'a', 10_002)).toBeNull();
  });

  it('locks an address that fails with many usernames, even for a right password', () => {
    const g = createLoginGuard(options);
    for (let i = 0; i < 5; i++) g.failed(`user-${i}`, '10.0.0.1', i);
    expect(g.locked('gate-a1', '10.0.0.1', 5)).toBe('address');
    expect(g.locked('gate-a1', '10.0.0.2', 5)).toBeNull();
  });

  it('a success forgets the username\'s failures', () => {
    const g = createLoginGuard(options);
    g.failed('u', 'a', 0);
    g.failed('u', 'a', 1);
    g.succeeded('u');
    g.failed('u', 'a', 2);
    expect(g.locked('u', 'a', 3)).toBeNull();
  });

  it('keeps at most maxEntries keys per table, dropping the longest quiet', () => {
    const g = createLoginGuard({ ...options, maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) g.failed(`user-${i}`, `10.0.${i >> 8}.${i & 255}`, i);
    expect(g.size()).toEqual({ usernames: 100, addresses: 100 });
    g.failed('user-9999', 'x', 10_000);
    g.failed('user-9999', 'x', 10_001);
    expect(g.locked('user-9999', 'y', 10_002)).toBe('username');
  });
});

describe('connection cap and sensor rates', () => {
  it('gives each address perAddress slots, freed on close', () => {
    const cap = createConnectionCap(2);
    expect([cap.open('a'), cap.open('a'), cap.open('a'), cap.open('b')]).toEqual([true, true, false, true]);
    cap.close('a');
    expect(cap.open('a')).toBe(true);
    expect(cap.open('a')).toBe(false);
  });

  it('caps each sensor on its own bucket', () => {
    const rates = createSensorRates({ perSecond: 1, burst: 2 });
    expect([0, 0, 0].map((t) => rates.allow('g1', t))).toEqual([true, true, false]);
    expect(rates.allow('g2', 0)).toBe(true);
    expect(rates.allow('g1', 1000)).toBe(true);
  });
});

describe('broker limits from the environment', () => {
  it('defaults: the library\'s packet and login limits, and the rate and connection caps on', () => {
    const limits = brokerLimitsOf(loadEnv({}));
    expect(limits).toEqual({ ...DEFAULT_BROKER_LIMITS, sensorRate: { perSecond: 20, burst: 100 }, maxConnectionsPerAddress: 1000 });
  });

  it('0 turns the rate and connection caps off; seconds become milliseconds', () => {
    const limits = brokerLimitsOf(loadEnv({ MQTT_SENSOR_MSGS_PER_S: '0', MQTT_MAX_CONNECTIONS_PER_ADDRESS: '0', MQTT_LOGIN_LOCKOUT_S: '5', MQTT_LOGIN_MAX_LOCKOUT_S: '40' }));
    expect(limits).toMatchObject({ sensorRate: null, maxConnectionsPerAddress: 0, login: { lockoutMs: 5000, maxLockoutMs: 40_000 } });
    expect(brokerLimitsOf(loadEnv({ MQTT_SENSOR_MSGS_PER_S: '0.5' })).sensorRate).toEqual({ perSecond: 0.5, burst: 100 });
  });

  it('refuses a packet limit too small for a counter message, naming the variable', () => {
    expect(() => loadEnv({ MQTT_MAX_PACKET_BYTES: '512' })).toThrow(/MQTT_MAX_PACKET_BYTES/);
    expect(() => loadEnv({ MQTT_SENSOR_MSGS_PER_S: '-1' })).toThrow(/MQTT_SENSOR_MSGS_PER_S/);
  });
});
