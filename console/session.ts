/**
 * The operator's token: in memory for this page, and in sessionStorage only when the operator asks
 * (then it lives until the tab is closed; never localStorage, never a cookie). docs/operations.md.
 */
const KEY = 'manku-ops-token';

export interface Session {
  readonly token: string | null;
  set(token: string, remember: boolean): void;
  clear(): void;
}

export function createSession(): Session {
  let token: string | null = null;
  try {
    token = sessionStorage.getItem(KEY);
  } catch {
    // storage blocked: memory only
  }
  return {
    get token() {
      return token;
    },
    set(value, remember) {
      token = value;
      try {
        if (remember) sessionStorage.setItem(KEY, value);
        else sessionStorage.removeItem(KEY);
      } catch {
        // storage blocked: memory only
      }
    },
    clear() {
      token = null;
      try {
        sessionStorage.removeItem(KEY);
      } catch {
        // nothing stored
      }
    },
  };
}
