/** `manku` as a user starts it: a child process on free ports, its JSON log lines parsed as they arrive. */
import type { ChildProcess } from 'node:child_process';
import { startManku as startMankuProcess, type MankuRole } from '../../testkit/manku-process.js';

const started: ChildProcess[] = [];

/** For afterAll: kills what startManku started and is still running. */
export function killStartedManku() {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
}

/** The testkit's process (testkit/manku-process.ts) on free ports, remembered for killStartedManku; `via: 'tsx'` as `npm start` runs it. */
export function startManku(env: Record<string, string>, command: MankuRole = 'all', options: { via?: 'tsx' } = {}) {
  const m = startMankuProcess(command, { MQTT_PORT: '0', PORT: '0', ...env }, options);
  started.push(m.child);
  return { child: m.child, lines: m.lines, exited: m.exited, stderr: m.stderr };
}
