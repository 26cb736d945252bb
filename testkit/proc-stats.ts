// testkit: helpers shared by tests and benchmarks (both import testkit/; tests never import bench/).
/**
 * Memory and CPU time of a process that is not Node (mosquitto, nats-server), read from Linux's
 * /proc, as `process.memoryUsage().rss` and `process.cpuUsage()` give them for a Node process:
 * RSS from `VmRSS` in /proc/PID/status, CPU from utime + stime (fields 14 and 15) of /proc/PID/stat.
 *
 * @example const { rssMiB, cpuUs } = procStats(mosquitto.pid!);
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** `VmRSS:   13312 kB` in /proc/PID/status, in KiB. */
export function vmRssKiB(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m) throw new Error('no "VmRSS: N kB" line: not the text of /proc/PID/status of a live process');
  return Number(m[1]);
}

/**
 * User and system CPU time in clock ticks from /proc/PID/stat. The command name (field 2, in
 * parentheses) may hold spaces and ')' itself: the fields are counted after its last ')' (proc(5)).
 */
export function cpuTicks(stat: string): { user: number; system: number } {
  const end = stat.lastIndexOf(')');
  const fields = stat.slice(end + 2).trim().split(/\s+/); // fields[0] is field 3 (state)
  const [user, system] = [Number(fields[11]), Number(fields[12])];
  if (end < 0 || !Number.isInteger(user) || !Number.isInteger(system)) throw new Error('not the text of /proc/PID/stat: no utime/stime fields');
  return { user, system };
}

let ticksPerSecond: number | null = null;
/** `getconf CLK_TCK` (100 on Linux here), asked once. */
function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** RSS (MiB) and CPU time used so far (µs, user + system, as `process.cpuUsage()`) of process `pid`. */
export function procStats(pid: number): { rssMiB: number; cpuUs: { user: number; system: number } } {
  const rssMiB = vmRssKiB(readFileSync(`/proc/${pid}/status`, 'utf8')) / 1024;
  const t = cpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  const us = 1e6 / clockTicks();
  return { rssMiB, cpuUs: { user: t.user * us, system: t.system * us } };
}
