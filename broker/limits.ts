/**
 * The broker's abuse limits (issue 12 item 3), one options object with the defaults
 * `createBroker` uses. The manku CLI sets every one from the environment (bin/config.ts), with
 * the rate and connection caps on; a bare `createBroker` leaves those two off, so benchmarks and
 * tests that drive one sensor hard measure the broker, not the cap.
 */
import type { LoginGuardOptions } from './login-guard.js';

export interface BrokerLimits {
  /** Largest remaining length (the packet after its fixed header); refused from the header. */
  maxPacketBytes: number;
  /**
   * The same for a connection logged in with a service account (ingest, api, push, reader): ingest's
   * health message lists every lot (~55 B each), so it outgrows the sensors' limit at ~70 lots.
   */
  maxServicePacketBytes: number;
  /** Lockout of usernames and addresses after failed logins. */
  login: LoginGuardOptions;
  /** Publish rate cap per sensor account; null: none. Over it: acknowledged and dropped. */
  sensorRate: { perSecond: number; burst: number } | null;
  /** Open connections per remote address; 0: no cap. */
  maxConnectionsPerAddress: number;
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  maxPacketBytes: 4096,
  maxServicePacketBytes: 1 << 20,
  login: { maxFailures: 10, maxFailuresPerAddress: 100, windowMs: 10 * 60_000, lockoutMs: 60_000, maxLockoutMs: 30 * 60_000 },
  sensorRate: null,
  maxConnectionsPerAddress: 0,
};
