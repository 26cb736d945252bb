/**
 * `npm run bench -- floor`: the machine's floor for the live fan-out, without manku, WebSocket or
 * JSON. N plain TCP clients (this process) connect to S sender processes; each round every sender
 * writes 330 bytes to each of its connections; we time until every client has its bytes.
 * Run with 1 and 2 senders, so one can see whether more processes would help on this machine.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { ask, percentile, startChild, stopChild } from '../support/child.js';

export interface FloorBenchOptions {
  clients: number;
  rounds: number;
}

const here = new URL('.', import.meta.url).pathname;
const round2 = (x: number) => Number(x.toFixed(1));

/** One floor measurement with `senders` sender processes (also used by the live-workers benchmark, in the same run). */
export async function measureFloor(senders: number, o: FloorBenchOptions) {
  const procs = await Promise.all(Array.from({ length: senders }, () => startChild(join(here, 'sender-proc.ts'), {})));
  let received = 0;
  const sockets: ReturnType<typeof connect>[] = [];
  try {
    const per = Math.ceil(o.clients / senders);
    for (const p of procs) {
      for (let i = 0; i < per; i += 250) {
        await Promise.all(
          Array.from({ length: Math.min(250, per - i) }, () =>
            new Promise<void>((resolve, reject) => {
              const s = connect(Number(p.ready.port), '127.0.0.1', () => resolve());
              s.on('data', () => void received++).once('error', reject);
              sockets.push(s);
            }),
          ),
        );
      }
    }
    const total = per * senders;
    const times: number[] = [];
    const loops: number[] = [];
    for (let r = 0; r <= o.rounds; r++) {
      received = 0;
      const started = performance.now();
      const sent = Promise.all(procs.map((p) => ask<{ ms: number }>(p.proc, 'send')));
      const deadline = Date.now() + 10_000;
      await new Promise<void>((resolve) => {
        const check = () => (received >= total || Date.now() > deadline ? resolve() : setImmediate(check));
        check();
      });
      const ms = performance.now() - started;
      const senderMs = Math.max(...(await sent).map((s) => s.ms));
      if (r > 0) {
        // round 0 warms up
        times.push(ms);
        loops.push(senderMs);
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    return { senders, clients: total, allReceivedP50Ms: round2(percentile(times, 50)), allReceivedMaxMs: round2(Math.max(...times)), senderLoopP50Ms: round2(percentile(loops, 50)) };
  } finally {
    for (const s of sockets) s.destroy();
    await Promise.all(procs.map((p) => stopChild(p.proc)));
  }
}

export async function floorBench(o: FloorBenchOptions) {
  const results = [];
  for (const senders of [1, 2]) {
    const r = await measureFloor(senders, o);
    console.log(
      `${r.senders} sender process(es), ${r.clients} plain TCP clients, 330 B each: all received after p50 ${r.allReceivedP50Ms} ms, ` +
        `max ${r.allReceivedMaxMs} ms (${o.rounds} rounds); sender loop p50 ${r.senderLoopP50Ms} ms`,
    );
    results.push(r);
  }
  return { options: o, results };
}
