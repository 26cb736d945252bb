/**
 * Service connections (ingest, API, readers) carry both lone messages that must not wait ~40 ms
 * for a delayed ACK (Nagle) and bursts that should not go out one segment each. So: no Nagle, and
 * writes corked until the end of the event-loop turn, so a burst leaves in one write.
 * (mqtt-packet corks only until the next tick, and aedes writes each delivery in its own tick.)
 */
export interface TunableSocket {
  setNoDelay?(noDelay?: boolean): unknown;
  cork(): void;
  uncork(): void;
  write: (...args: never[]) => boolean;
}

/** Idempotent: a socket is wrapped once. */
export function tuneForService(socket: TunableSocket | undefined | null): void {
  if (!socket || typeof socket.setNoDelay !== 'function' || tuned.has(socket)) return;
  tuned.add(socket);
  socket.setNoDelay(true);
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  socket.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write(...args);
  }) as TunableSocket['write'];
}

const tuned = new WeakSet<object>();
