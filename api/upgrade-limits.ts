/**
 * WebSocket upgrades per second: per client address and for the whole server (a handshake costs
 * CPU; a reconnect storm or a flood from many addresses must not starve the event loop). Pure:
 * time is passed in. Defaults are generous: a mobile carrier's NAT puts many phones behind one
 * address, and after an API restart every client reconnects within a few seconds.
 */
import { createKeyedLimiter, createTokenBucket } from '../core/index.js';
import { addressKey } from './client-address.js';

export interface UpgradeLimitsOptions {
  /** Upgrades per second for the whole server, and the burst; 0 turns it off. */
  perSecond?: number;
  burst?: number;
  /** Upgrades per second from one address, and the burst; 0 turns it off. */
  perAddressPerSecond?: number;
  burstPerAddress?: number;
  /** Addresses tracked at once (bounds memory). */
  maxAddresses?: number;
}

export type UpgradeRefusal = { kind: 'ws_upgrade' | 'ws_upgrade_global'; retryAfterS: number; message: string };

export interface UpgradeLimits {
  /** null when an upgrade from `address` may go ahead now (and is counted), else why not. */
  check(address: string, nowMs: number): UpgradeRefusal | null;
}

export function createUpgradeLimits({ perSecond = 1000, burst = 2000, perAddressPerSecond = 20, burstPerAddress = 100, maxAddresses = 50_000 }: UpgradeLimitsOptions = {}): UpgradeLimits {
  const global = perSecond > 0 ? createTokenBucket({ perSecond, burst }) : null;
  const perAddress = perAddressPerSecond > 0 ? createKeyedLimiter({ perSecond: perAddressPerSecond, burst: burstPerAddress, maxKeys: maxAddresses }) : null;
  return {
    check(address, nowMs) {
      // The address first, so one flooding address cannot use up everyone's budget.
      if (perAddress && !perAddress.take(addressKey(address), nowMs)) {
        return {
          kind: 'ws_upgrade',
          retryAfterS: perAddress.retryAfterS,
          message: `at most ${perAddressPerSecond} WebSocket connections a second from one address (bursts of ${burstPerAddress}); reconnect with backoff`,
        };
      }
      if (global && !global.take(nowMs)) {
        return { kind: 'ws_upgrade_global', retryAfterS: Math.max(1, Math.ceil(1 / perSecond)), message: 'the server is taking many new WebSocket connections; reconnect with backoff' };
      }
      return null;
    },
  };
}
