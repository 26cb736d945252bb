// testkit: helpers shared by tests and benchmarks (both import testkit/; tests never import bench/).
/**
 * One `manku ROLE` process (bin/manku.ts, the real composition root) configured by env alone,
 * its JSON log lines collected, so drills can SIGKILL a part and start it again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeArgs } from './entry-points.js';
import { waitFor } from './wait.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export type MankuRole = 'all' | 'broker' | 'ingest' | 'api' | 'push';

export interface MankuProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Every JSON log line so far. */
  readonly lines: Array<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
  /** Resolves at the 'manku ready' log line; rejects if the process exits first or after timeoutMs. */
  ready(timeoutMs?: number): Promise<void>;
  /** A field of the first log line with this message, e.g. field('API listening', 'url'). */
  field(msg: string, key: string): unknown;
  kill(signal: NodeJS.Signals): Promise<number | null>;
  stderr(): string;
}

/**
 * Started from the built entry point when the test run has one (testkit/entry-points.ts); `via: 'tsx'`
 * starts it exactly as `npm start` / `npm run manku` do.
 * @example const api = startManku('api', { LOTS_FILE, MQTT_URL, PORT: '0' }); await api.ready();
 */
export function startManku(role: MankuRole, env: Record<string, string>, { via }: { via?: 'tsx' } = {}): MankuProcess {
  const child = spawn(process.execPath, nodeArgs('manku', [role], via ? { via } : {}), {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buf = '';
  child.stdout!.on('data', (d) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const line of parts) {
      if (!line.trim()) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ msg: line });
      }
    }
    if (lines.length > 5000) lines.splice(0, lines.length - 5000); // a long drill keeps the recent lines only
  });
  // MANKU_PROC_LOG=DIR keeps each process's whole log (the lines above keep the recent ones only).
  const keep = process.env.MANKU_PROC_LOG;
  if (keep) child.stdout!.on('data', (d) => appendFileSync(join(keep, `${role}-${child.pid}.log`), d));
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-8000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const has = (msg: string) => lines.some((l) => l.msg === msg);
  return {
    child,
    pid: child.pid!,
    lines,
    exited,
    ready: (timeoutMs = 300_000) =>
      waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`manku ${role} exited with ${child.exitCode}: ${stderr}`);
          return has('manku ready');
        },
        { timeoutMs, intervalMs: 20, what: `manku ${role} to be ready` },
      ),
    field: (msg, key) => lines.find((l) => l.msg === msg)?.[key],
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    stderr: () => stderr,
  };
}
