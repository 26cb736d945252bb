/**
 * The MQTT broker: aedes on a TCP socket and/or a TLS one, with per-account authentication, the
 * ACL and, on TLS, optional client certificates. MQTT 3.1.1 only (aedes refuses v5 clients).
 */
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { Aedes, type Client } from 'aedes';
import pino, { type Logger } from 'pino';
import { brokerHealthTopic, isId, MAX_COUNTER_BYTES, type BrokerHealth, type BrokerRefusalKind } from '../protocol/index.js';
import { createRateGate, credentialsOf, type LotsFile, type Principal } from '../core/index.js';
import { canPublish, canSubscribe } from './acl.js';
import { DECOY_HASH, verifyPassword } from './auth.js';
import { readTlsCredentials, reloadTlsCredentials, tuneForService, type TlsFiles } from '../transport/index.js';
import { clientCertDecision, peerCertificateOf, type ClientCertPolicy } from './client-cert.js';
import { createCounterSubscribers } from './counter-subscribers.js';
import { createBrokerHealthReporter } from './health.js';
import { createPersistence } from './persistence.js';
import { noRefusals, refusalError, refusalOf } from './refusals.js';
import { createConnectionCap } from './connection-cap.js';
import { DEFAULT_BROKER_LIMITS, type BrokerLimits } from './limits.js';
import { createLoginGuard } from './login-guard.js';
import { guardPackets } from './packet-guard.js';
import { createSensorRates } from './sensor-rates.js';

export interface BrokerOptions {
  lots: LotsFile;
  host?: string;
  /** 0 picks a free port; null: no plain listener (MQTT_PORT=off). */
  port?: number | null;
  /** MQTT over TLS on its own port, beside the plain one or instead of it. */
  tls?: BrokerTlsOptions;
  logger?: Logger;
  /** A connection that sends no CONNECT within this is closed. */
  connectTimeoutMs?: number;
  /** Our topics have 4 or 5 levels; anything much deeper is refused before routing. */
  maxTopicLevels?: number;
  /** Largest payload any account may publish (counter payloads are held to MAX_COUNTER_BYTES). */
  maxPayloadBytes?: number;
  /** Names this broker in its health topic (the `{brokerId}` of brokerHealth in protocol/topics.ts). */
  id?: string;
  /** How often the broker publishes its health (also shortly after each refusal). */
  healthIntervalMs?: number;
  /**
   * Refuse a sensor (CONNACK 3, server unavailable; it retries) until an ingest account has
   * subscribed to its counter topic, so no reading is acknowledged that nobody will keep.
   */
  holdSensorsUntilSubscribed?: boolean;
  /** Abuse limits (broker/limits.ts); each key left out keeps its default. */
  limits?: Partial<BrokerLimits>;
  /**
   * How many messages aedes routes at once (its `concurrency`); 0: no cap. Default 100, aedes' own.
   * The cap is the broker's backpressure: a delivery holds its slot until the subscriber's socket
   * drained, so a subscriber that falls behind (ingest at overload) slows routing instead of having
   * every queued message written into its socket at once. Uncapped was tried (one slow subscriber
   * then holds back no other): in the 10-minute soak ingest's persistent QoS 1 session grew without
   * bound in the broker and aedes closed it over and over with "no such packet" (its outgoing
   * queue, scanned linearly per PUBACK, and packet ids wrapping at 65,535) — docs/reliability.md.
   */
  concurrency?: number;
}

export interface BrokerTlsOptions extends TlsFiles {
  /** 0 picks a free port. */
  port: number;
  /** Ask for client certificates (needs caFile); see client-cert.ts. Default off. */
  clientCert?: ClientCertPolicy;
}

/** Where the broker listens; null for a listener that is off. */
export interface BrokerAddress {
  host: string;
  port: number | null;
  tlsPort: number | null;
}

export interface BrokerStats {
  clients: number;
  refused: Record<BrokerRefusalKind, number>;
}

export interface Broker {
  start(): Promise<BrokerAddress>;
  stop(): Promise<void>;
  stats(): BrokerStats;
  /** Re-reads the TLS files (SIGHUP); open connections stay. False when there is no TLS listener or the new files are bad (logged, old kept). */
  reloadTls(): boolean;
}

// [MQTT-3.1.1] CONNACK return codes
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/** Where a sensor's PUBLISH over its rate goes: a topic nobody may subscribe to ($SYS, acl.ts). */
const DROPPED_TOPIC = '$SYS/manku/dropped';

/** The connection's remote address (what the login guard keys on), '' when unknown. */
const remoteAddress = (client: Client) => (client.conn as Partial<Socket>).remoteAddress ?? '';

export function createBroker({
  lots,
  host = '127.0.0.1',
  port = 1883,
  logger = pino({ level: 'silent' }),
  connectTimeoutMs = 10_000,
  maxTopicLevels = 8,
  maxPayloadBytes = 4096,
  id = 'manku-broker',
  healthIntervalMs = 5000,
  holdSensorsUntilSubscribed = true,
  tls,
  limits: limitOverrides = {},
  concurrency = 100,
}: BrokerOptions): Broker {
  if (!isId(id)) throw new Error(`broker id "${id}" must match [a-z0-9-]{1,64}: it is a topic level`);
  if (port === null && !tls) throw new Error('the broker needs a listener: a plain port, TLS, or both');
  const clientCert = tls?.clientCert ?? 'off';
  if (clientCert !== 'off' && !tls?.caFile) throw new Error('client certificates need the CA that signs them (caFile)');
  const log = logger.child({ component: 'broker' });
  const credentials = credentialsOf(lots);
  const principals = new WeakMap<Client, Principal>();
  // Verified (username, sha256(password)) pairs, so reconnect storms do not each cost an scrypt.
  const verified = new Map<string, string>();
  const refused = noRefusals();
  const subscribers = createCounterSubscribers();
  const gate = createRateGate({ perWindow: 20 });
  const limits: BrokerLimits = { ...DEFAULT_BROKER_LIMITS, ...limitOverrides };
  const logins = createLoginGuard(limits.login);
  const sensorRates = limits.sensorRate && createSensorRates(limits.sensorRate);
  // Connections logged in with a service account: they get maxServicePacketBytes.
  const serviceConnections = new WeakSet<object>();
  const connections = limits.maxConnectionsPerAddress > 0 ? createConnectionCap(limits.maxConnectionsPerAddress) : null;
  let aedes: Aedes | null = null;
  let server: Server | null = null;
  let tlsServer: TlsServer | null = null;
  const health = createBrokerHealthReporter({
    intervalMs: healthIntervalMs,
    snapshot: (): BrokerHealth => ({ brokerId: id, at: new Date().toISOString(), clients: aedes?.connectedClients ?? 0, refusals: { ...refused } }),
    // Internal publish: aedes does not run authorizePublish for it (no client), so the ACL can
    // keep this topic closed to every account.
    publish: (h) => aedes?.publish({ cmd: 'publish', topic: brokerHealthTopic(id), payload: Buffer.from(JSON.stringify(h)), qos: 1, retain: true, dup: false }, () => {}),
  });

  /** Counts and logs (rate-limited) a refusal; the returned error is for aedes, marked as counted. */
  function refuse<T extends object>(kind: BrokerRefusalKind, fields: Record<string, unknown>, message: string, extra?: T) {
    refused[kind] += 1;
    health.changed();
    const { pass, suppressed } = gate.check(kind, Date.now());
    if (pass) log.warn({ refusal: kind, ...fields, ...(suppressed ? { suppressed } : {}) }, message);
    return refusalError(message, extra);
  }

  /** aedes' connectionError / clientError: garbage, malformed packets, connect timeouts. */
  function onConnectionError(clientId: string | undefined, err: Error) {
    const kind = refusalOf(err);
    if (kind) refuse(kind, { clientId, err: err.message }, kind === 'connect-timeout' ? 'no CONNECT in time; connection closed' : 'protocol error; connection closed');
    else log.debug({ clientId, err: err.message }, 'connection error');
  }

  async function authenticate(client: Client, username: string | undefined, password: Buffer | undefined) {
    if (!username || !password) {
      throw refuse('anonymous', { clientId: client.id }, 'connection without credentials refused', { returnCode: NOT_AUTHORIZED });
    }
    const address = remoteAddress(client);
    const lock = logins.locked(username, address, Date.now());
    if (lock) {
      // Unchecked, and answered exactly as a wrong password: known or not, a username looks the same.
      throw refuse('login-locked', { clientId: client.id, username, address, locked: lock }, 'login refused: too many failures', { returnCode: BAD_USERNAME_OR_PASSWORD });
    }
    const credential = credentials.get(username);
    const digest = createHash('sha256').update(password).digest('hex');
    if (credential && verified.get(username) === digest) return admitted(client, credential.principal);
    const ok = await verifyPassword(password.toString('utf8'), credential?.passwordHash ?? DECOY_HASH);
    if (!credential || !ok) {
      logins.failed(username, address, Date.now());
      throw refuse('bad-credentials', { clientId: client.id, username }, 'bad username or password', { returnCode: BAD_USERNAME_OR_PASSWORD });
    }
    verified.set(username, digest);
    logins.succeeded(username);
    return admitted(client, credential.principal);
  }

  function admitted(client: Client, principal: Principal): Principal {
    const cert = clientCertDecision(clientCert, principal, peerCertificateOf(client.conn));
    if (!cert.ok) throw refuse('client-cert', { clientId: client.id, username: principal.username }, cert.reason, { returnCode: NOT_AUTHORIZED });
    if (principal.role === 'sensor' && holdSensorsUntilSubscribed && !subscribers.covers(principal.lotId, principal.sensorId)) {
      throw refuse('ingest-not-ready', { clientId: client.id, username: principal.username }, 'no ingest has subscribed to this sensor yet; refused until one has (the sensor retries)', {
        returnCode: SERVER_UNAVAILABLE,
      });
    }
    return principal;
  }

  /**
   * Every accepted connection, plain or TLS, goes through here to aedes: the per-address cap,
   * then the packet guard (packet-guard.ts) on the socket itself.
   */
  function accept(socket: Socket) {
    const broker = aedes;
    const address = socket.remoteAddress ?? '';
    if (!broker) return void socket.destroy();
    if (connections) {
      if (!connections.open(address)) {
        refuse('too-many-connections', { address }, `more than ${limits.maxConnectionsPerAddress} connections from this address; closed`);
        return void socket.destroy();
      }
      socket.once('close', () => connections.close(address));
    }
    const limitOf = () => (serviceConnections.has(socket) ? limits.maxServicePacketBytes : limits.maxPacketBytes);
    const guarded = guardPackets(socket, limitOf, ({ kind, message }) => refuse(kind, { address }, `${message}; connection closed`));
    broker.handle(guarded);
  }

  async function listen<S extends Server>(s: S, listenPort: number): Promise<AddressInfo> {
    s.listen(listenPort, host);
    await once(s, 'listening');
    return s.address() as AddressInfo;
  }

  /** MQTT over TLS: the handshake has connectTimeoutMs like CONNECT; a failed one is counted. */
  async function listenTls(options: BrokerTlsOptions): Promise<AddressInfo> {
    const { options: credentials, certificate } = readTlsCredentials(options);
    const s = createTlsServer({ ...credentials, requestCert: clientCert !== 'off', rejectUnauthorized: false, handshakeTimeout: connectTimeoutMs }, accept);
    // A client that does not trust our certificate, or speaks plain MQTT to this port, ends here.
    s.on('tlsClientError', (err: Error, socket: TLSSocket) => {
      refuse('tls-handshake', { address: socket.remoteAddress, err: err.message }, 'TLS handshake failed; connection closed');
    });
    tlsServer = s;
    const address = await listen(s, options.port);
    log.info({ host: address.address, port: address.port, clientCert, ...certificate }, 'MQTT over TLS listening');
    return address;
  }

  async function start(): Promise<BrokerAddress> {
    aedes = await Aedes.createBroker({
      persistence: createPersistence(),
      concurrency,
      connectTimeout: connectTimeoutMs,
      maxTopicLevels,
      authenticate(client, username, password, done) {
        authenticate(client, username ?? undefined, password ?? undefined).then(
          (principal) => {
            principals.set(client, principal);
            if (principal.role !== 'sensor') {
              serviceConnections.add(client.conn);
              tuneForService(client.conn as Socket);
            }
            done(null, true);
          },
          (err) => done(err, false),
        );
      },
      authorizePublish(client, packet, done) {
        const principal = client && principals.get(client);
        if (!principal) return done(new Error('not authenticated'));
        const decision = canPublish(principal, packet.topic);
        if (!decision.ok) return done(refuse('publish-denied', { username: principal.username, topic: packet.topic }, decision.reason));
        const limit = decision.kind === 'counter' ? MAX_COUNTER_BYTES : principal.role === 'sensor' ? maxPayloadBytes : limits.maxServicePacketBytes;
        if (packet.payload.length > limit) {
          const reason = `payload of ${packet.payload.length} bytes exceeds ${limit}`;
          return done(refuse('oversize', { username: principal.username, topic: packet.topic }, reason));
        }
        if (principal.role === 'sensor' && sensorRates && !sensorRates.allow(principal.sensorId, Date.now())) {
          // Dropped, not refused: an error would close the connection, and QoS 1 is still acked
          // (aedes acks before routing), so the sensor does not pile up unacked readings to
          // replay. Counters are cumulative: the next reading that passes carries these cars.
          refuse('rate-limited', { username: principal.username }, `over ${limits.sensorRate!.perSecond} messages/s; dropped`);
          Object.assign(packet, { topic: DROPPED_TOPIC, retain: false });
        }
        done(null);
      },
      authorizeSubscribe(client, sub, done) {
        const principal = principals.get(client);
        const decision = principal ? canSubscribe(principal, sub.topic) : { ok: false as const, reason: 'not authenticated' };
        if (!decision.ok) {
          refuse('subscribe-denied', { username: principal?.username, topic: sub.topic }, decision.reason);
          return done(null, null); // SUBACK 0x80 for this filter; the connection stays up
        }
        done(null, sub);
      },
    });
    aedes.on('subscribe', (subs, client) => {
      if (principals.get(client)?.role === 'ingest') subscribers.subscribed(client.id, subs.map((s) => s.topic));
    });
    aedes.on('unsubscribe', (filters, client) => subscribers.unsubscribed(client.id, filters));
    aedes.on('clientDisconnect', (client) => subscribers.disconnected(client.id, client.clean));
    aedes.on('clientError', (client, err) => onConnectionError(client.id, err));
    aedes.on('connectionError', (client, err) => onConnectionError(client?.id, err));
    let plain: AddressInfo | null = null;
    if (port !== null) {
      server = createServer(accept);
      plain = await listen(server, port);
      log.info({ host: plain.address, port: plain.port }, 'MQTT broker listening');
    }
    const secure = tls ? await listenTls(tls) : null;
    health.start();
    return { host: (plain ?? secure)!.address, port: plain?.port ?? null, tlsPort: secure?.port ?? null };
  }

  async function stop() {
    const listeners = [server, tlsServer];
    const a = aedes;
    server = null;
    tlsServer = null;
    aedes = null;
    health.stop();
    if (a) await new Promise<void>((resolve) => a.close(() => resolve()));
    for (const s of listeners) if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    log.info('MQTT broker stopped');
  }

  return {
    start,
    stop,
    stats: () => ({ clients: aedes?.connectedClients ?? 0, refused: { ...refused } }),
    reloadTls: () => (tlsServer && tls ? reloadTlsCredentials(tlsServer, tls, log, 'mqtt') : false),
  };
}
