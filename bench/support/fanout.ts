/** Live fan-out benchmarks: waiting for bench/live/clients-proc.ts to report a change delivered to every client. */
import type { ChildProcess } from 'node:child_process';

/** Resolves once the clients process says every client has the status with `occupied` (or after timeoutMs). */
export function deliveredToAll(clients: ChildProcess, occupied: number, timeoutMs = 10_000): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    function done() {
      clearTimeout(timer);
      clients.off('message', on);
      resolve();
    }
    function on(m: { type: string; occupied: number }) {
      if (m.type === 'complete' && m.occupied === occupied) done();
    }
    clients.on('message', on);
  });
}
