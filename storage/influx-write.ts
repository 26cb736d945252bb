/**
 * InfluxDB 1.x's HTTP write API (`POST /write?db=…&precision=n`, a line-protocol body), on one
 * keep-alive connection: what npm `influx`'s writePoints sends, given the body ready-made
 * (influx-line.ts). Fails the way npm `influx` does, so `isRetryableInfluxError` reads both: an
 * HTTP error carries `res.statusCode` (a 4xx is not retried, a 5xx is), a connection error its
 * `code`, a request past `timeoutMs` "Request timed out".
 * https://docs.influxdata.com/influxdb/v1/tools/api/#write-http-endpoint
 */
import http from 'node:http';
import https from 'node:https';
import type { InfluxTarget } from './influx-target.js';

export type LineWriter = ((body: string) => Promise<void>) & { close(): void };

/** @example const write = createLineWriter(parseInfluxUrl(url), { timeoutMs: 10_000 }); await write('m,lot=a v=1i 1'); */
export function createLineWriter({ protocol, host, port, database, username, password }: InfluxTarget, { timeoutMs }: { timeoutMs: number }): LineWriter {
  const transport = protocol === 'https' ? https : http;
  // One write at a time (the write buffer's order): one socket, kept open between batches.
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 1 });
  const path = `/write?${new URLSearchParams({ db: database, precision: 'n' })}`;
  const auth = username !== undefined ? { authorization: `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}` } : {};

  const write = (body: string) =>
    new Promise<void>((resolve, reject) => {
      const payload = Buffer.from(body);
      const req = transport.request(
        { hostname: host, port, path, method: 'POST', agent, timeout: timeoutMs, headers: { 'content-type': 'text/plain; charset=utf-8', 'content-length': payload.length, ...auth } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const statusCode = res.statusCode ?? 0;
            if (statusCode >= 200 && statusCode < 300) return resolve();
            const text = Buffer.concat(chunks).toString('utf8').trim().slice(0, 500);
            reject(Object.assign(new Error(`InfluxDB write answered ${statusCode}: ${text}`), { res: { statusCode } }));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('Request timed out')));
      req.on('error', reject);
      req.end(payload);
    });
  return Object.assign(write, { close: () => agent.destroy() });
}
