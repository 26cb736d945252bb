/**
 * `npm run bench -- packet-guard`: what the packet guard (broker/packet-guard.ts) costs per
 * packet. (a) the scanner alone over counter PUBLISH packets in 64 KiB chunks; (b) a loopback
 * socket read the way aedes reads (`read()` on 'readable'), plain and guarded, interleaved, in
 * CPU time per packet. Compare with the broker's CPU per message in `npm run bench -- ingest`.
 */
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { createHeaderScanner, guardPackets } from '../../broker/packet-guard.js';
import { median } from '../support/child.js';

export interface PacketGuardBenchOptions {
  packets: number;
  rounds: number;
}

function counterStream(n: number): Buffer {
  const packets = Array.from({ length: n }, (_, i) =>
    mqttPacket.generate({
      cmd: 'publish',
      topic: `parking/v1/lot-${i % 4}/gate-${i % 20}/counter`,
      payload: JSON.stringify({ boot: 3, seq: i, ts: 1_764_000_000_000 + i, in: 1000 + i, out: 900 + i }),
      qos: 1,
      messageId: 1 + (i % 65535),
      dup: false,
      retain: false,
    }),
  );
  return Buffer.concat(packets);
}

/** CPU microseconds (user + system) to receive `stream` over loopback, reading as aedes does. */
async function readOver(stream: Buffer, guarded: boolean): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [socket] = await accepted;
  const conn = guarded ? guardPackets(socket, () => 4096, () => {}) : socket;
  const cpu = process.cpuUsage();
  let received = 0;
  await new Promise<void>((resolve) => {
    conn.on('readable', () => {
      for (let chunk: Buffer | null; (chunk = conn.read()) !== null; ) received += chunk.length;
      if (received >= stream.length) resolve();
    });
    client.end(stream);
  });
  const used = process.cpuUsage(cpu);
  socket.destroy();
  client.destroy();
  server.close();
  return used.user + used.system;
}

export async function packetGuardBench(o: PacketGuardBenchOptions) {
  const stream = counterStream(o.packets);
  const perPacketNs = (us: number) => Math.round((us * 1000) / o.packets);
  const scanNs: number[] = [];
  // CPU time, not wall time: on a shared machine the process is descheduled often. Round 0 warms up.
  for (let r = 0; r <= o.rounds; r++) {
    const scan = createHeaderScanner(() => 4096);
    const cpu = process.cpuUsage();
    for (let i = 0; i < stream.length; i += 65_536) if (scan(stream.subarray(i, i + 65_536))) throw new Error('refused a valid packet');
    const used = process.cpuUsage(cpu);
    if (r > 0) scanNs.push(((used.user + used.system) * 1000) / o.packets);
  }
  const plain: number[] = [];
  const guarded: number[] = [];
  for (let r = 0; r < o.rounds; r++) {
    plain.push(perPacketNs(await readOver(stream, false)));
    guarded.push(perPacketNs(await readOver(stream, true)));
  }
  const summary = {
    packetBytes: Math.round(stream.length / o.packets),
    scannerNsPerPacket: Math.round(median(scanNs) * 10) / 10,
    plainReadCpuNsPerPacket: median(plain),
    guardedReadCpuNsPerPacket: median(guarded),
  };
  console.log(`packet guard: ${o.packets} counter PUBLISH packets of ${summary.packetBytes} bytes, ${o.rounds} rounds`);
  console.log(`  scanner alone: ${summary.scannerNsPerPacket} ns CPU/packet (median)`);
  console.log(`  loopback read, CPU per packet (median, interleaved): plain ${summary.plainReadCpuNsPerPacket} ns, guarded ${summary.guardedReadCpuNsPerPacket} ns`);
  console.log(`  runs: plain ${plain.join(', ')}; guarded ${guarded.join(', ')}`);
  return { options: o, summary, runs: { scanNs, plain, guarded } };
}
