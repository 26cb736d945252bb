/**
 * One slow subscriber must not hold back the others (issue 12, soak): with aedes' default
 * concurrency cap (100 messages routed at once), a subscriber whose socket stopped draining kept
 * 100 messages waiting for it, and every other subscriber's messages queued behind them until
 * aedes' drainTimeout (60 s) cut it off. The broker routes without a cap (BrokerOptions.concurrency).
 */
import type { MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LotsFile } from '../../core/index.js';
import { COUNTER_FILTER, counterTopic, STATUS_FILTER, statusTopic } from '../../protocol/index.js';
import { waitFor } from '../../testkit/wait.js';
import { connectPacket, rawSocket } from '../support/raw-mqtt.js';
import { connectClient, counterJson, passwordOf, startBroker, testLots } from '../support/stack.js';

let lots: LotsFile;
const stops: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  lots = await testLots();
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

async function client(url: string, username: string, clientId: string): Promise<MqttClient> {
  const c = await connectClient(url, username, undefined, { clientId });
  stops.push(() => void c.end(true));
  return c;
}

describe('a subscriber that stops reading', () => {
  it("does not delay another subscriber's messages", async () => {
    const { broker, url, port } = await startBroker(lots, { id: 'fanout' });
    stops.push(() => broker.stop());
    const counters = await client(url, 'ingest', 'fanout-counters');
    await counters.subscribeAsync(COUNTER_FILTER, { qos: 1 });
    const received: string[] = [];
    counters.on('message', (topic) => received.push(topic));

    // A status reader that subscribes, then never reads its socket: the broker's writes to it back up.
    const stuck = await rawSocket(port);
    stops.push(() => void stuck.destroy());
    let answered = 0;
    stuck.on('data', (d: Buffer) => (answered += d.length));
    stuck.write(connectPacket('reader', passwordOf('reader')));
    stuck.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: STATUS_FILTER, qos: 0 }] }));
    await waitFor(() => answered >= 4 + 5, { what: 'CONNACK and SUBACK' }); // 4 + 5 bytes
    stuck.removeAllListeners('data');
    stuck.pause();

    // More large statuses than the old cap (100), so each of them waits for the stuck socket.
    const statuses = await client(url, 'ingest', 'fanout-statuses');
    const big = 'x'.repeat(256 * 1024); // 150 of them are more than loopback's socket buffers hold (~10 MB)
    for (let i = 0; i < 150; i++) await statuses.publishAsync(statusTopic('lot-a'), big, { qos: 1 });

    const sensor = await client(url, 'gate-a1', 'fanout-gate');
    await sensor.publishAsync(counterTopic('lot-a', 'gate-a1'), counterJson(1, 1, 1, 0), { qos: 1 });
    await waitFor(() => received.length === 1, { timeoutMs: 10_000, what: 'the counter subscriber to get the reading while the status reader is stuck' });
    expect(received).toEqual([counterTopic('lot-a', 'gate-a1')]);
  });
});
