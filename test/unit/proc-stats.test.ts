/** testkit/proc-stats.ts: what the soak reads from /proc for a process that is not Node (mosquitto). */
import { describe, expect, it } from 'vitest';
import { cpuTicks, vmRssKiB } from '../../testkit/proc-stats.js';

describe('vmRssKiB', () => {
  it('reads the resident set size from /proc/PID/status text', () => {
    const status = 'Name:\tmosquitto\nVmPeak:\t   20480 kB\nVmSize:\t   19456 kB\nVmHWM:\t   14000 kB\nVmRSS:\t   13312 kB\nRssAnon:\t    4096 kB\n';
    expect(vmRssKiB(status)).toBe(13312);
  });

  it('refuses text without a VmRSS line (a zombie has none), naming what it expected', () => {
    expect(() => vmRssKiB('Name:\tmosquitto\nState:\tZ (zombie)\n')).toThrow(/VmRSS: N kB/);
  });
});

describe('cpuTicks', () => {
  it('reads utime and stime (fields 14 and 15) from /proc/PID/stat text', () => {
    const stat = '4242 (mosquitto) S 1 4242 4242 0 -1 4194560 900 0 0 0 1234 567 0 0 20 0 1 0 4210925 19922944 3328 18446744073709551615';
    expect(cpuTicks(stat)).toEqual({ user: 1234, system: 567 });
  });

  it('counts fields after the last ")" so a command name with spaces and parentheses does not shift them', () => {
    const stat = '77 (odd (name) x) R 1 77 77 0 -1 0 0 0 0 0 42 7 0 0 20 0 1 0 100 1000 10 0';
    expect(cpuTicks(stat)).toEqual({ user: 42, system: 7 });
  });

  it('refuses text that is not /proc/PID/stat', () => {
    expect(() => cpuTicks('VmRSS: 12 kB')).toThrow(/utime\/stime/);
  });
});
