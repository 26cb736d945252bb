/** Per-address limits as pure logic: the bounded bucket table, the client address, upgrade limits, and the app's 429. */
import { describe, expect, it } from 'vitest';
import { createKeyedLimiter } from '../../core/index.js';
import { createApp, createStatusFeed } from '../../api/index.js';
import { addressKey, createClientAddress, trustList } from '../../api/client-address.js';
import { createUpgradeLimits } from '../../api/upgrade-limits.js';
import type { HistorySource } from '../../storage/index.js';
import { oneLot } from '../support/fixtures.js';

describe('keyed limiter (one token bucket per address)', () => {
  it('limits each key on its own: a burst, then the refill rate', () => {
    const l = createKeyedLimiter({ perSecond: 2, burst: 3, maxKeys: 10 });
    expect([0, 0, 0, 0].map((t) => l.take('a', t))).toEqual([true, true, true, false]);
    expect(l.take('b', 0)).toBe(true);
    expect(l.take('a', 499)).toBe(false);
    expect(l.take('a', 500)).toBe(true);
    expect(l.retryAfterS).toBe(1);
    expect(createKeyedLimiter({ perSecond: 0.1, burst: 1, maxKeys: 1 }).retryAfterS).toBe(10);
  });

  it('never holds more than maxKeys, dropping the least recently used', () => {
    const l = createKeyedLimiter({ perSecond: 1, burst: 1, maxKeys: 3 });
    for (let i = 0; i < 1000; i++) l.take(`k${i}`, 0);
    expect(l.size).toBe(3);
    // k999 is held (empty bucket); k0 was dropped long ago and starts full.
    expect(l.take('k999', 0)).toBe(false);
    expect(l.take('k0', 0)).toBe(true);
  });

  it('forgets keys idle long enough to be full again, which changes no answer', () => {
    const l = createKeyedLimiter({ perSecond: 10, burst: 5, maxKeys: 100 });
    for (let i = 0; i < 50; i++) l.take(`k${i}`, 0);
    expect(l.size).toBe(50);
    l.take('late', 499);
    expect(l.size).toBe(51);
    l.take('late', 500); // 5 tokens at 10/s: full after 500 ms
    expect(l.size).toBe(1);
  });
});

describe('client address', () => {
  it('is the TCP peer unless the peer is a trusted proxy', () => {
    const direct = createClientAddress();
    expect(direct('::ffff:198.51.100.4', '203.0.113.9')).toBe('198.51.100.4');
    const proxied = createClientAddress(['127.0.0.1', '10.0.0.0/8']);
    expect(proxied('127.0.0.1', '203.0.113.9')).toBe('203.0.113.9');
    expect(proxied('198.51.100.4', '203.0.113.9')).toBe('198.51.100.4'); // header from an untrusted peer
    expect(proxied('127.0.0.1', undefined)).toBe('127.0.0.1');
  });

  it('takes the rightmost X-Forwarded-For entry that is no trusted proxy (what the client wrote is further left)', () => {
    const proxied = createClientAddress(['127.0.0.1', '10.0.0.0/8']);
    expect(proxied('127.0.0.1', '1.2.3.4, 203.0.113.9, 10.1.2.3')).toBe('203.0.113.9');
    expect(proxied('127.0.0.1', '10.0.0.2, 10.0.0.1')).toBe('10.0.0.2');
    expect(proxied('127.0.0.1', 'evil, 203.0.113.9')).toBe('203.0.113.9');
    expect(proxied('127.0.0.1', '203.0.113.9, not-an-ip')).toBe('127.0.0.1');
  });

  it('refuses bad TRUST_PROXY entries', () => {
    expect(() => trustList(['10.0.0.0/33'])).toThrow(/prefix/);
    expect(() => trustList(['proxy.example'])).toThrow(/no IP address/);
    expect(() => trustList(['::1', 'fd00::/8', '192.0.2.1'])).not.toThrow();
  });

  it('keys IPv4 by address and IPv6 by its /64', () => {
    expect(addressKey('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

describe('WebSocket upgrade limits', () => {
  it('caps upgrades per address, then for the whole server, saying when to retry', () => {
    const limits = createUpgradeLimits({ perSecond: 1, burst: 3, perAddressPerSecond: 1, burstPerAddress: 2 });
    expect(limits.check('192.0.2.1', 0)).toBeNull();
    expect(limits.check('192.0.2.1', 0)).toBeNull();
    expect(limits.check('192.0.2.1', 0)).toMatchObject({ kind: 'ws_upgrade', retryAfterS: 1 });
    expect(limits.check('192.0.2.2', 0)).toBeNull();
    expect(limits.check('192.0.2.3', 0)).toMatchObject({ kind: 'ws_upgrade_global', retryAfterS: 1 });
    expect(limits.check('192.0.2.3', 1000)).toBeNull();
  });

  it('counts an IPv6 /64 as one address; 0 turns a limit off', () => {
    const limits = createUpgradeLimits({ perSecond: 0, perAddressPerSecond: 1, burstPerAddress: 1 });
    expect(limits.check('2001:db8:0:1::a', 0)).toBeNull();
    expect(limits.check('2001:db8:0:1::b', 0)).toMatchObject({ kind: 'ws_upgrade' });
    const off = createUpgradeLimits({ perSecond: 0, perAddressPerSecond: 0 });
    for (let i = 0; i < 100; i++) expect(off.check('192.0.2.1', 0)).toBeNull();
  });
});

describe('the app under a REST rate limit', () => {
  const feed = createStatusFeed({ lots: oneLot() });
  const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });

  it('answers 429 with Retry-After past the burst, per address, never on health, readiness or metrics', async () => {
    const app = createApp({ feed, rateLimit: { perSecond: 0.01, burst: 2, maxAddresses: 100 } });
    const status = async (path: string, address: string) => (await app.request(path, {}, from(address))).status;
    expect(await status('/api/v1/lots', '192.0.2.1')).toBe(200);
    expect(await status('/api/v1/lots/lot-a', '192.0.2.1')).toBe(200);
    const limited = await app.request('/api/v1/lots', {}, from('192.0.2.1'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('100');
    expect(limited.headers.get('access-control-expose-headers')).toMatch(/Retry-After/i);
    expect(await limited.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/bursts of 2/) } });
    expect(await status('/api/v1/lots', '192.0.2.2')).toBe(200);
    for (const path of ['/healthz', '/readyz', '/metrics']) expect(await status(path, '192.0.2.1')).not.toBe(429);
    expect(await (await app.request('/metrics', {}, from('192.0.2.1'))).text()).toMatch(/manku_api_rate_limited_total\{kind="http"\} 1/);
  });

  it('answers 503 handler_timeout when a handler takes too long', async () => {
    const stuck: HistorySource = { kind: 'influx', history: () => new Promise<never>(() => {}) }; // a store that never answers
    const app = createApp({ feed, handlerTimeoutMs: 50, history: stuck });
    const res = await app.request('/api/v1/lots/lot-a/history');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'handler_timeout' } });
    expect(await (await app.request('/metrics')).text()).toMatch(/manku_api_timeouts_total\{kind="handler"\} 1/);
  });
});
