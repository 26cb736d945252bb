/**
 * At most `perAddress` open connections from one address, so one host cannot take every socket
 * the broker has. Sized generously: the gates of a car park often share one NAT address. Memory
 * is one entry per address with an open connection.
 */
export interface ConnectionCap {
  /** Takes a slot for a new connection; false when the address has none left (refuse it). */
  open(address: string): boolean;
  /** The connection closed: its slot is free again. */
  close(address: string): void;
}

/** @example const cap = createConnectionCap(2); cap.open('10.0.0.1') // true */
export function createConnectionCap(perAddress: number): ConnectionCap {
  const open = new Map<string, number>();
  return {
    open(address) {
      const n = open.get(address) ?? 0;
      if (n >= perAddress) return false;
      open.set(address, n + 1);
      return true;
    },
    close(address) {
      const n = (open.get(address) ?? 1) - 1;
      if (n > 0) open.set(address, n);
      else open.delete(address);
    },
  };
}
