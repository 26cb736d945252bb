/** `manku` as a user starts it: a child process (tsx) on free ports, its JSON log lines parsed as they arrive. */
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './docs.js';

const started: ChildProcess[] = [];

/** For afterAll: kills what startManku started and is still running. */
export function killStartedManku() {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
}

export function startManku(env: Record<string, string>, command = 'all') {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/manku.ts', command], {
    cwd: REPO_ROOT,
    env: { ...process.env, MQTT_PORT: '0', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  let buf = '';
  child.stdout!.on('data', (d) => {
    buf += d;
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line));
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exited, stderr: () => stderr };
}
