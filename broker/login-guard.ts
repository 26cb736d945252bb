/**
 * Failed logins, counted per username and per address, lock further attempts out for a growing
 * time (brute force and credential stuffing). Pure: time is passed in.
 *
 * - Every username is tracked alike, known or not, so a lockout never tells whether it exists;
 *   the broker answers a locked attempt with CONNACK 4, as for a wrong password.
 * - `maxFailures` failures of one username (or `maxFailuresPerAddress` from one address) within
 *   `windowMs` lock it for `lockoutMs`, doubled at each further lockout up to `maxLockoutMs`;
 *   after `maxLockoutMs` without a failure it starts afresh.
 * - A locked attempt is refused unchecked and is not a failure, so one misconfigured gate stops
 *   adding to its address's count once its own username is locked, and does not lock the other
 *   gates behind the same NAT.
 * - Memory is bounded: each table keeps at most `maxEntries` keys, the longest quiet go first.
 */
export interface LoginGuardOptions {
  maxFailures: number;
  maxFailuresPerAddress: number;
  windowMs: number;
  lockoutMs: number;
  maxLockoutMs: number;
  maxEntries?: number;
}

export interface LoginGuard {
  /** What is locked for this attempt, if anything. */
  locked(username: string, address: string, nowMs: number): 'username' | 'address' | null;
  failed(username: string, address: string, nowMs: number): void;
  /** A correct password: the username's failures are forgotten (the address's are not). */
  succeeded(username: string): void;
  /** Keys held, for tests and health. */
  size(): { usernames: number; addresses: number };
}

interface Entry {
  failures: number;
  windowStart: number;
  lastFailure: number;
  lockedUntil: number;
  /** Lockouts so far: the next one lasts lockoutMs * 2^strikes. */
  strikes: number;
}

function createFailureTable(maxFailures: number, { windowMs, lockoutMs, maxLockoutMs, maxEntries }: Required<Omit<LoginGuardOptions, 'maxFailures' | 'maxFailuresPerAddress'>>) {
  // Insertion order is last-failure order: a failing key is moved to the end.
  const entries = new Map<string, Entry>();
  return {
    entries,
    locked: (key: string, now: number) => (entries.get(key)?.lockedUntil ?? 0) > now,
    failed(key: string, now: number) {
      let e = entries.get(key);
      entries.delete(key);
      if (!e || (e.lockedUntil <= now && now - e.lastFailure > maxLockoutMs)) e = { failures: 0, windowStart: now, lastFailure: now, lockedUntil: 0, strikes: 0 };
      if (now - e.windowStart >= windowMs) Object.assign(e, { failures: 0, windowStart: now });
      e.failures += 1;
      e.lastFailure = now;
      if (e.failures >= maxFailures) {
        e.lockedUntil = now + Math.min(maxLockoutMs, lockoutMs * 2 ** e.strikes);
        e.strikes += 1;
        Object.assign(e, { failures: 0, windowStart: now });
      }
      entries.set(key, e);
      for (const oldest of entries.keys()) {
        if (entries.size <= maxEntries) break;
        entries.delete(oldest);
      }
    },
    clear(key: string) {
      const e = entries.get(key);
      if (e) e.failures = 0;
    },
  };
}

/** @example const g = createLoginGuard({ maxFailures: 10, maxFailuresPerAddress: 100, windowMs: 600_000, lockoutMs: 60_000, maxLockoutMs: 1_800_000 }) */
export function createLoginGuard({ maxFailures, maxFailuresPerAddress, maxEntries = 10_000, ...timing }: LoginGuardOptions): LoginGuard {
  const byUsername = createFailureTable(maxFailures, { ...timing, maxEntries });
  const byAddress = createFailureTable(maxFailuresPerAddress, { ...timing, maxEntries });
  return {
    locked(username, address, now) {
      if (byAddress.locked(address, now)) return 'address';
      return byUsername.locked(username, now) ? 'username' : null;
    },
    failed(username, address, now) {
      byUsername.failed(username, now);
      byAddress.failed(address, now);
    },
    succeeded: (username) => byUsername.clear(username),
    size: () => ({ usernames: byUsername.entries.size, addresses: byAddress.entries.size }),
  };
}
