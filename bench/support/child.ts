/** Benchmark child processes: fork a TypeScript file, wait for its `{type:'ready'}`, stop it by message. */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { hashBcryptPassword, hashMosquittoPassword, hashPassword } from '../../broker/index.js';
import type { HashFormat } from '../../core/index.js';

export function startChild(
  file: string,
  env: Record<string, string>,
  extraExecArgv: string[] = [],
): Promise<{ proc: ChildProcess; ready: Record<string, unknown> }> {
  // BENCH_PROFILE=DIR: children run with --cpu-prof; BENCH_PROFILE_ONLY=ROLE (e.g. api, or a file name) limits it to them.
  const only = process.env.BENCH_PROFILE_ONLY;
  const profiled = process.env.BENCH_PROFILE && (!only || env.SOAK_ROLE === only || basename(file).startsWith(only));
  const profile = profiled ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const proc = fork(file, [], {
    execArgv: ['--import', 'tsx', ...profile, ...extraExecArgv],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${file} exited with ${code} before it was ready`)));
    proc.on('message', (m: Record<string, unknown>) => m.type === 'ready' && resolve({ proc, ready: m }));
  });
}

export async function stopChild(proc: ChildProcess) {
  if (proc.exitCode !== null) return;
  const exited = once(proc, 'exit');
  proc.send({ type: 'stop' });
  // A child writing its --cpu-prof at exit needs longer than one that does not.
  const t = setTimeout(() => proc.kill('SIGKILL'), process.env.BENCH_PROFILE ? 60_000 : 10_000);
  await exited;
  clearTimeout(t);
}

/** Asks a child something over IPC and waits for the answer of the same type. */
export async function ask<T>(proc: ChildProcess, type: string, extra: Record<string, unknown> = {}): Promise<T> {
  const answer = new Promise<T>((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (m.type === type) {
        proc.off('message', on);
        resolve(m as T);
      }
    };
    proc.on('message', on);
  });
  proc.send({ type, ...extra });
  return answer;
}

/** A lots file for benchmarks: `lots` lots of `perLot` gates each, password `bench` for all (hashed as the broker reads: scrypt, mosquitto, bcrypt). */
export async function writeBenchLots(dir: string, lotCount: number, perLot: number, format: HashFormat = 'scrypt') {
  const hash = format === 'mosquitto' ? await hashMosquittoPassword('bench') : format === 'bcrypt' ? await hashBcryptPassword('bench', { cost: 10 }) : await hashPassword('bench', { N: 1024 });
  const lots = Array.from({ length: lotCount }, (_, l) => ({
    id: `bench-lot-${l}`,
    name: { ja: `ベンチ ${l}`, en: `Bench ${l}` },
    capacity: 1_000_000,
    sensors: Array.from({ length: perLot }, (_, s) => ({ id: `bench-gate-${l}-${s}`, passwordHash: hash })),
  }));
  const file = join(dir, 'lots.json');
  writeFileSync(
    file,
    JSON.stringify({
      lots,
      accounts: [
        { username: 'bench-ingest', role: 'ingest', passwordHash: hash },
        { username: 'bench-api', role: 'api', passwordHash: hash },
      ],
    }),
  );
  return { file, sensors: lots.flatMap((l) => l.sensors.map((s) => ({ lotId: l.id, sensorId: s.id }))) };
}

export const median = (xs: number[]) => percentile(xs, 50);

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}
