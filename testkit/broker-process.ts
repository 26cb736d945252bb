// testkit: helpers shared by tests and benchmarks (both import testkit/; tests never import bench/).
/**
 * One external broker process (mosquitto, nats-server) started from a config file, its output
 * kept, ready when its port accepts connections, stopped by its own PID on teardown.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { waitFor } from './wait.js';

export interface BrokerProcess {
  readonly running: boolean;
  readonly pid: number | null;
  /** (Re)starts it; resolves when every port in `ports` accepts a TCP connection. */
  start(): Promise<void>;
  /** SIGTERM, then SIGKILL after 8 s. */
  stop(): Promise<void>;
  /** A crash: the signal, no grace. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  output(): string;
}

/** A missing server is a failure, never a skip. */
export function assertInstalled(command: string, versionArgs: string[], pkg: string) {
  const r = spawnSync(command, versionArgs, { encoding: 'utf8' });
  if (r.error) throw new Error(`${command} not found: the tests need it (apt-get install -y ${pkg}; test/system-packages.sh does)`);
}

export const accepts = (port: number, host = '127.0.0.1') =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, host);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

export function brokerProcess(
  command: string,
  args: string[],
  ports: number[],
  { what = command, readyTimeoutMs = 20_000, cwd, onOutput }: { what?: string; readyTimeoutMs?: number; cwd?: string; /** Every chunk of its stdout and stderr (output() keeps only the last 8,000 characters). */ onOutput?: (text: string) => void } = {},
): BrokerProcess {
  let child: ChildProcess | null = null;
  let log = '';
  const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once('exit', () => r())));
  return {
    get running() {
      return child !== null && child.exitCode === null && child.signalCode === null;
    },
    get pid() {
      return child?.pid ?? null;
    },
    async start() {
      const c = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
      child = c;
      const keep = (d: Buffer) => {
        log = (log + d).slice(-8000);
        onOutput?.(d.toString());
      };
      c.stdout!.on('data', keep);
      c.stderr!.on('data', keep);
      await waitFor(
        async () => {
          if (c.exitCode !== null) throw new Error(`${what} exited with ${c.exitCode}:\n${log}`);
          for (const port of ports) if (!(await accepts(port))) return false;
          return true;
        },
        { timeoutMs: readyTimeoutMs, intervalMs: 25, what: `${what} to listen on ${ports.join(', ')}` },
      );
    },
    async stop() {
      const c = child;
      if (!c) return;
      c.kill('SIGTERM');
      const t = setTimeout(() => c.kill('SIGKILL'), 8000);
      await exited(c);
      clearTimeout(t);
    },
    async kill(signal = 'SIGKILL') {
      const c = child;
      if (!c) return;
      c.kill(signal);
      await exited(c);
    },
    output: () => log,
  };
}
