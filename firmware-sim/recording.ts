/**
 * Record & replay of counter traffic as NDJSON, one message a line:
 *   {"t": 1795568282321, "topic": "<the sensor's counter topic>", "payload": "{\"boot\":1,...}"}
 * `t` is when the recorder received it (epoch ms); `payload` is the message exactly as sent (text).
 */
import { createWriteStream, readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { openMqttSession, type MqttTlsOptions } from '../transport/index.js';
import { z } from 'zod';
import { COUNTER_FILTER, parseCounterTopic } from '../protocol/index.js';

export const RecordLine = z.strictObject({ t: z.number(), topic: z.string(), payload: z.string() });
export type RecordLine = z.infer<typeof RecordLine>;

/** Reads and validates a recording; the error names the line. */
export function readRecording(file: string): RecordLine[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const out: RecordLine[] = [];
  lines.forEach((text, i) => {
    if (!text.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new Error(`${file}:${i + 1}: not JSON (${(err as Error).message})`);
    }
    const parsed = RecordLine.safeParse(json);
    if (!parsed.success) throw new Error(`${file}:${i + 1}: ${z.prettifyError(parsed.error)}`);
    out.push(parsed.data);
  });
  return out;
}

export interface Recorder {
  start(): Promise<void>;
  /** Stops and flushes; resolves with how many messages were written. */
  stop(): Promise<number>;
  readonly count: number;
}

/** Records every counter message the account may see (a service account with role ingest). */
export function createRecorder({ mqttUrl, username, password, file, tls }: { mqttUrl: string; username: string; password: string; file: string; tls?: MqttTlsOptions }): Recorder {
  const out = createWriteStream(file, { flags: 'w' });
  let client: MqttClient | null = null;
  let count = 0;
  return {
    get count() {
      return count;
    },
    async start() {
      const session = openMqttSession({ url: mqttUrl, username, password, label: `recorder account "${username}"`, clientId: `manku-recorder-${process.pid}`, service: true, tls });
      const c = session.client;
      client = c;
      await session.ready;
      c.on('message', (topic, payload) => {
        count += 1;
        out.write(`${JSON.stringify({ t: Date.now(), topic, payload: payload.toString('utf8') })}\n`);
      });
      const granted = await c.subscribeAsync(COUNTER_FILTER, { qos: 1 }).catch((err: Error) => {
        throw new Error(`cannot subscribe to counter topics as "${username}" (needs a service account with role ingest): ${err.message}`);
      });
      void granted;
    },
    async stop() {
      await client?.endAsync();
      await new Promise<void>((resolve) => out.end(resolve));
      return count;
    },
  };
}

/** Re-publishes a recording with each sensor's credentials, at `speed` × the recorded pace (0: as fast as possible). */
export async function replayRecording({
  mqttUrl,
  lines,
  passwordFor,
  speed = 0,
  stampNow = false,
  onProgress,
  tlsFor,
}: {
  mqttUrl: string;
  lines: readonly RecordLine[];
  passwordFor: (sensorId: string) => string;
  speed?: number;
  stampNow?: boolean;
  onProgress?: (sent: number, total: number, t: number) => void;
  /** For mqtts:// URLs: each sensor's TLS options. */
  tlsFor?: (sensorId: string) => MqttTlsOptions;
}): Promise<number> {
  const clients = new Map<string, MqttClient>();
  const clientFor = async (sensorId: string) => {
    let c = clients.get(sensorId);
    if (c) return c;
    const session = openMqttSession({ url: mqttUrl, username: sensorId, password: passwordFor(sensorId), label: `sensor ${sensorId}`, tls: tlsFor?.(sensorId) });
    c = session.client;
    clients.set(sensorId, c);
    await session.ready;
    return c;
  };
  const first = lines[0]?.t ?? 0;
  const realStart = performance.now();
  const acks: Array<Promise<unknown>> = [];
  let sent = 0;
  try {
    for (const line of lines) {
      const topic = parseCounterTopic(line.topic);
      if (!topic) throw new Error(`not a counter topic: ${line.topic}`);
      if (speed > 0) {
        const wait = realStart + (line.t - first) / speed - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      let payload = line.payload;
      if (stampNow) {
        try {
          const json = JSON.parse(payload) as Record<string, unknown>;
          if (typeof json?.ts === 'number') payload = JSON.stringify({ ...json, ts: Date.now() });
        } catch {
          // malformed in the recording: replayed as is
        }
      }
      acks.push((await clientFor(topic.sensorId)).publishAsync(line.topic, payload, { qos: 1 }));
      sent += 1;
      if (sent % 500 === 0) await Promise.all(acks.splice(0));
      onProgress?.(sent, lines.length, line.t);
    }
    await Promise.all(acks);
    return sent;
  } finally {
    await Promise.all([...clients.values()].map((c) => c.endAsync()));
  }
}
