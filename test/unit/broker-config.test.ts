import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe, grantsOf, mosquittoConfig, natsAuthConfig, queueLimitOf, subjectOf } from '../../broker/index.js';
import { LotsFile, type Principal } from '../../core/index.js';
import { filterFor, TOPIC_KINDS } from '../../protocol/index.js';
import { parseBrokerUrls } from '../../transport/index.js';

const MOSQ = '$7$101$zQcmWCrJlqr32EF8$adPcpwM+3uvMGud85QD3HpzmO2L2f7q7wuv9lfJ1rSVR7kJ3wbRqP5swJPpTjmaNeuxwhj9d5Km2m9N5l3L91Q==';
const BCRYPT = '$2b$10$' + 'a'.repeat(53);
const SCRYPT = 'scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA==$' + 'A'.repeat(43) + '=';

function lots(hash: (name: string) => string) {
  return LotsFile.parse({
    lots: [
      { id: 'lot-a', name: { ja: 'A', en: 'A' }, capacity: 10, sensors: [{ id: 'gate-a1', passwordHash: hash('gate-a1') }, { id: 'gate-a2', passwordHash: hash('gate-a2') }] },
      { id: 'lot-b', name: { ja: 'B', en: 'B' }, capacity: 10, sensors: [{ id: 'gate-b1', passwordHash: hash('gate-b1') }] },
    ],
    accounts: (['ingest', 'api', 'reader', 'push'] as const).map((role) => ({ username: `svc-${role}`, role, passwordHash: hash(`svc-${role}`) })),
  });
}
const ROLES: Principal[] = [
  { role: 'sensor', username: 'gate-a1', lotId: 'lot-a', sensorId: 'gate-a1' },
  ...(['ingest', 'api', 'reader', 'push'] as const).map((role) => ({ role, username: role })),
];

describe('grants for external brokers, from the topic table', () => {
  it.each(ROLES.map((p) => [p.role, p] as const))('%s: the grants allow exactly what the embedded ACL allows', (_role, principal) => {
    const grants = grantsOf(principal);
    for (const kind of TOPIC_KINDS) {
      const filter = filterFor(kind);
      const g = grants.find((x) => x.filter === filter);
      expect(Boolean(g?.read), `read ${filter}`).toBe(canSubscribe(principal, filter).ok);
      if (principal.role !== 'sensor') expect(Boolean(g?.write), `write ${filter}`).toBe(canPublish(principal, filter.replaceAll('+', 'x')).ok);
    }
  });

  it('a sensor may write its own counter topic only', () => {
    expect(grantsOf(ROLES[0]!)).toEqual([{ filter: 'parking/v1/lot-a/gate-a1/counter', read: false, write: true }]);
  });
});

describe('mosquitto config', () => {
  const files = (l: LotsFile) => {
    const r = mosquittoConfig({ lots: l, host: '127.0.0.1', port: 1883, dir: '/etc/mosquitto/manku', maxPacketBytes: 1 << 20 });
    if (!r.ok) throw new Error(r.error);
    return r.files;
  };

  it('one user block per sensor bound to its lot, service accounts by role, no pattern lines', () => {
    const { acl } = files(lots(() => MOSQ));
    expect(acl).toContain('user gate-b1\ntopic write parking/v1/lot-b/gate-b1/counter\n');
    expect(acl).toContain('user svc-ingest\ntopic read parking/v1/+/+/counter\ntopic readwrite parking/v1/+/status\n');
    expect(acl).toContain('user svc-reader\ntopic read parking/v1/+/status\n');
    expect(acl).not.toMatch(/^pattern/m);
    expect(acl.match(/^user /gm)).toHaveLength(7);
  });

  it('listener, no anonymous, files and persistence in its dir, a queue that holds every retained status', () => {
    const l = lots(() => MOSQ);
    const { 'mosquitto.conf': conf, passwd } = files(l);
    expect(conf).toMatch(/^listener 1883 127\.0\.0\.1$/m);
    expect(conf).toMatch(/^allow_anonymous false$/m);
    expect(conf).toMatch(/^password_file \/etc\/mosquitto\/manku\/passwd$/m);
    expect(conf).toMatch(/^acl_file \/etc\/mosquitto\/manku\/acl$/m);
    expect(conf).toMatch(/^persistence_location \/etc\/mosquitto\/manku\/$/m);
    expect(conf).toMatch(new RegExp(`^max_queued_messages ${queueLimitOf(l, 10)}$`, 'm'));
    expect(conf).toMatch(/^max_packet_size 1048576$/m);
    expect(passwd.split('\n')).toContain(`gate-a1:${MOSQ}`);
  });

  it('the queue limit grows with lots and sensors: 5,000 lots, 10,000 sensors, 10 min offline', () => {
    const big = { lots: Array.from({ length: 5000 }, () => ({ sensors: [{}, {}] })) } as unknown as LotsFile;
    expect(queueLimitOf(big, 10)).toBe(10_000 + 10_000 * 60);
  });

  it('names the accounts whose hash mosquitto cannot read, and writes nothing', () => {
    const r = mosquittoConfig({ lots: lots((n) => (n === 'gate-a2' ? SCRYPT : n === 'svc-api' ? BCRYPT : MOSQ)), host: '127.0.0.1', port: 1883, dir: '/x', maxPacketBytes: 1 << 20 });
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/gate-a2 \(scrypt\), svc-api \(bcrypt\).*--format mosquitto/) });
  });
});

describe('NATS auth.conf', () => {
  it('bcrypt users with subject permissions; an empty allow list becomes a deny', () => {
    const r = natsAuthConfig({ lots: lots(() => BCRYPT) });
    if (!r.ok) throw new Error(r.error);
    const conf = r.files['auth.conf']!;
    expect(conf).toContain(`{ user: "gate-a1", password: "${BCRYPT}", permissions: { publish: { allow: ["parking.v1.lot-a.gate-a1.counter"] }, subscribe: { deny: [">"] } } }`);
    expect(conf).toContain('{ user: "svc-reader", password: "' + BCRYPT + '", permissions: { publish: { deny: [">"] }, subscribe: { allow: ["parking.v1.*.status"] } } }');
  });

  it('names the accounts whose hash NATS cannot read', () => {
    const r = natsAuthConfig({ lots: lots((n) => (n === 'gate-b1' ? MOSQ : BCRYPT)) });
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/gate-b1 \(mosquitto\).*--format bcrypt/) });
  });

  it('maps MQTT filters to subjects', () => {
    expect(subjectOf('parking/v1/+/+/counter')).toBe('parking.v1.*.*.counter');
    expect(subjectOf('a/#')).toBe('a.>');
  });
});

describe('MQTT_URL as a list', () => {
  it('parses the nodes of a cluster, default ports by scheme', () => {
    expect(parseBrokerUrls('mqtt://a:1883, mqtt://b,mqtt://[::1]:2000')).toEqual([
      { host: 'a', port: 1883, protocol: 'mqtt' },
      { host: 'b', port: 1883, protocol: 'mqtt' },
      { host: '::1', port: 2000, protocol: 'mqtt' },
    ]);
    expect(parseBrokerUrls('mqtts://a')).toEqual([{ host: 'a', port: 8883, protocol: 'mqtts' }]);
  });

  it('says what is wrong with a bad list', () => {
    expect(parseBrokerUrls('mqtt://a,mqtts://b')).toMatch(/same scheme/);
    expect(parseBrokerUrls('http://a')).toMatch(/must start with mqtt:\/\//);
    expect(parseBrokerUrls('mqtt://a,')).toMatch(/is not a URL/);
  });
});
