/**
 * The soak's broker (`--broker aedes|mosquitto`). aedes: the embedded broker in its own process
 * (service-proc.ts), reporting over IPC like the other services. mosquitto: a real mosquitto 2.0
 * from the config `manku broker-config mosquitto` writes for the lots file (testkit/mosquitto.ts:
 * temp dir, free loopback port). It is not Node, so it has no heap and no event loop to report:
 * its RSS and CPU time are read from /proc every `reportMs`, and every line it logs once listening
 * (errors, warnings, notices such as dropped outgoing messages) counts as a problem.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startMosquitto } from '../../testkit/mosquitto.js';
import { procStats } from '../../testkit/proc-stats.js';
import { ask, startChild, stopChild } from '../support/child.js';

export const SOAK_BROKERS = ['aedes', 'mosquitto'] as const;
export type SoakBrokerKind = (typeof SOAK_BROKERS)[number];

/** What a service process answers to 'stats' (service-proc.ts: counts by name), and what mosquitto's stand-in gives. */
export interface ServiceStats {
  firstProblems: string[];
  cpuUs: { user: number; system: number };
  [count: string]: unknown;
}

/** A count of a stats answer; 0 when that process does not count it. */
export const countOf = (s: ServiceStats, key: string): number => (typeof s[key] === 'number' ? s[key] : 0);

export interface SoakBroker {
  url: string;
  /** The aedes child process (IPC), or null for mosquitto. */
  proc: ChildProcess | null;
  stats(): Promise<ServiceStats>;
  stop(): Promise<void>;
}

const here = new URL('.', import.meta.url).pathname;

/** `onReport` gets mosquitto's 10-s reports (aedes sends its own over IPC: listen to `proc`). */
export async function startSoakBroker(
  kind: SoakBrokerKind,
  { lotsFile, env, onReport, reportMs = 10_000 }: { lotsFile: string; env: Record<string, string>; onReport: (r: Record<string, unknown>) => void; reportMs?: number },
): Promise<SoakBroker> {
  if (kind === 'aedes') {
    const { proc, ready } = await startChild(join(here, 'service-proc.ts'), { ...env, SOAK_ROLE: 'broker' }, ['--expose-gc']);
    return { url: `mqtt://127.0.0.1:${String(ready.port)}`, proc, stats: () => ask<ServiceStats>(proc, 'stats'), stop: () => stopChild(proc) };
  }
  let listening = false;
  const problems: string[] = [];
  let logged = 0;
  const m = await startMosquitto({
    lotsFile,
    onOutput: (text) => {
      if (!listening) return; // its start-up notices (version, listener) are not problems
      for (const line of text.split('\n').filter((l) => l.trim())) {
        logged += 1;
        if (problems.length < 5) problems.push(`mosquitto: ${line.slice(0, 300)}`);
      }
    },
  });
  listening = true;
  const pid = m.pid!;
  const timer = setInterval(() => {
    const s = procStats(pid);
    onReport({ type: 'report', at: Date.now(), rssMiB: s.rssMiB, heapUsedMiB: null, lagP99Ms: null, lagMaxMs: null, cpuUs: s.cpuUs });
  }, reportMs);
  return {
    url: m.url,
    proc: null,
    stats: async () => ({ warn: 0, error: logged, firstProblems: problems, cpuUs: procStats(pid).cpuUs }),
    async stop() {
      clearInterval(timer);
      await m.close();
    },
  };
}
