/**
 * The NGSI parts of the `manku` CLI as an operator runs them: `ngsi registration`, and `npm start`
 * (manku all) with NGSI_PUSH_URL set, on the demo lots file, pushing to a local receiver, while
 * the API answers the "Done when" query of issue 10.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeArgs } from '../../testkit/entry-points.js';
import { waitFor } from '../../testkit/wait.js';
import { receiver } from '../support/ngsi.js';
import { connectClient } from '../support/stack.js';
import { errorsOf, etsiNgsiLd, offStreetParkingValidator } from '../support/standards.js';

const run = promisify(execFile);
const manku = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, nodeArgs('manku', args), { env: { ...process.env, ...env }, timeout: 150_000 });
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

// Each case starts a process: slow on a loaded 2-core machine.
describe('manku ngsi registration', { timeout: 180_000 }, () => {
  it('prints a CsourceRegistration for the endpoint, valid against the ETSI OAS', async () => {
    const { stdout } = await manku(['ngsi', 'registration', '--endpoint', 'https://manku.example.jp/']);
    const registration = JSON.parse(stdout);
    const validate = etsiNgsiLd().at('/components/schemas/CsourceRegistration');
    expect(validate(registration), errorsOf(validate).join('\n')).toBe(true);
    expect(registration).toMatchObject({ endpoint: 'https://manku.example.jp', mode: 'inclusive', information: [{ entities: [{ type: 'OffStreetParking' }] }] });
  });

  it('refuses an endpoint that is no http(s) URL, with the usage', async () => {
    const failed = await manku(['ngsi', 'registration', '--endpoint', 'manku.example.jp']).catch((err: { code: number; stderr: string }) => err);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining('usage: manku ngsi registration --endpoint') });
  });
});

describe('npm start with NGSI_PUSH_URL', { timeout: 300_000 }, () => {
  it('pushes each change of the demo lot once, in order, and serves it as a valid OffStreetParking', async () => {
    const city = await receiver();
    const child = spawn(process.execPath, nodeArgs('manku', []), {
      env: { ...process.env, MQTT_PORT: '0', PORT: '0', LOG_FORMAT: 'json', DATA_DIR: mkdtempSync(join(tmpdir(), 'manku-ngsi-cli-')), NGSI_PUSH_URL: city.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    const lines: Array<Record<string, unknown>> = [];
    let buf = '';
    child.stdout!.on('data', (d) => {
      const parts = (buf += d).split('\n');
      buf = parts.pop()!;
      for (const line of parts) if (line.trim()) lines.push(JSON.parse(line));
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    await waitFor(() => lines.some((l) => l.msg === 'manku ready'), { timeoutMs: 150_000, what: 'manku ready' }).catch((err: Error) => {
      throw new Error(`${err.message}; last log lines ${JSON.stringify(lines.slice(-3))}, stderr ${JSON.stringify(stderr.slice(-500))}`);
    });
    expect(lines.some((l) => l.msg === 'NGSI push started')).toBe(true);
    const mqttUrl = `mqtt://127.0.0.1:${lines.find((l) => l.msg === 'MQTT broker listening')!.port}`;
    const api = String(lines.find((l) => l.msg === 'API listening')!.url);
    await waitFor(() => city.requests.length >= 1, { what: 'the demo lot as it is at start' });

    const gates = await Promise.all(['demo-gate-1', 'demo-gate-2'].map((g) => connectClient(mqttUrl, g, 'demo', { connectTimeout: 60_000 })));
    const occupiedSeen = () => city.requests.flatMap((r) => r.body.map((e: any) => e.occupiedSpotNumber?.value)).filter((n) => n !== undefined);
    const latencies: number[] = [];
    await gates[1]!.publishAsync('parking/v1/demo-hospital/demo-gate-2/counter', JSON.stringify({ boot: 1, seq: 1, ts: Date.now(), in: 0, out: 0 }), { qos: 1 });
    // Cumulative totals (in, out) of gate 1, whose difference is the lot's count.
    for (const [seq, totalIn, totalOut] of [[1, 15, 10], [2, 22, 10], [3, 22, 15]] as const) {
      const occupied = totalIn - totalOut;
      const sentAt = Date.now();
      await gates[0]!.publishAsync('parking/v1/demo-hospital/demo-gate-1/counter', JSON.stringify({ boot: 1, seq, ts: Date.now(), in: totalIn, out: totalOut }), { qos: 1 });
      await waitFor(() => occupiedSeen().includes(occupied), { what: `occupied ${occupied} at the receiver` });
      latencies.push(city.requests.at(-1)!.atMs - sentAt);
    }
    expect(occupiedSeen()).toEqual([5, 12, 7]);
    console.info(`npm start + NGSI_PUSH_URL: publish -> receiver, per change: ${latencies.join(', ')} ms`);

    // The "Done when": curl -H 'Accept: application/ld+json' '.../ngsi-ld/v1/entities?type=OffStreetParking'
    const res = await fetch(`${api}/ngsi-ld/v1/entities?type=OffStreetParking`, { headers: { accept: 'application/ld+json' } });
    expect(res.headers.get('content-type')).toBe('application/ld+json');
    const [entity] = (await res.json()) as Array<Record<string, any>>;
    if (!entity) throw new Error('no entity');
    expect(entity).toMatchObject({ id: 'urn:ngsi-ld:OffStreetParking:demo-hospital', occupiedSpotNumber: { value: 7 }, status: { value: ['spacesAvailable'] } });
    const keyValues = (await (await fetch(`${api}/ngsi-ld/v1/entities/${entity.id}?options=keyValues`)).json()) as Record<string, unknown>;
    const sdm = offStreetParkingValidator();
    expect(sdm(keyValues), errorsOf(sdm).join('\n')).toBe(true);

    for (const g of gates) await g.endAsync();
    child.kill('SIGINT');
    await new Promise((resolve) => child.once('exit', resolve));
    await city.close();
  });
});
