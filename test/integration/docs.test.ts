/**
 * The docs, run as their readers would run them: every `curl` and `mosquitto_pub` line of the
 * README and docs/, the JavaScript live client of docs/api.md (in Node and in Chromium, through
 * an API restart), and the simulator library snippet, against the real broker, ingest and API on
 * the demo lots file. Only host and port are changed. A new example in the docs is picked up here.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createApi, type Api } from '../../api/index.js';
import { DEMO_LOTS_FILE, DEMO_PASSWORD, loadLotsFile } from '../../bin/config.js';
import type { Broker } from '../../broker/index.js';
import type { LotsFile } from '../../core/index.js';
import { createIngest, type Ingest } from '../../ingest/index.js';
import { createEmbeddedStore, embeddedHistory, type EmbeddedStore } from '../../storage/index.js';
import { launchChromium } from '../../testkit/chromium.js';
import { waitFor } from '../../testkit/wait.js';
import { blockWith, REPO_ROOT, shellCommands } from '../support/docs.js';
import { quietLogger, startBroker } from '../support/stack.js';

const run = promisify(execFile);
const ADMIN_TOKEN = 'docs-admin-token-0123456789';
const DOC_API = 'http://127.0.0.1:8080';
const children: ChildProcess[] = [];

let lots: LotsFile;
let broker: Broker;
let mqttUrl: string;
let mqttPort: number;
let ingest: Ingest;
let api: Api;
let apiPort: number;
let base: string;
let store: EmbeddedStore;

function startDemoApi(port: number) {
  const a = createApi({ lots, mqttUrl, username: 'demo-api', password: DEMO_PASSWORD, port, adminToken: ADMIN_TOKEN, history: embeddedHistory(store), logger: quietLogger() });
  return a.start().then(({ port: p }) => ({ api: a, port: p }));
}

beforeEach(async () => {
  lots = loadLotsFile(DEMO_LOTS_FILE);
  ({ broker, url: mqttUrl, port: mqttPort } = await startBroker(lots));
  store = createEmbeddedStore({ dataDir: mkdtempSync(join(tmpdir(), 'manku-docs-')) });
  ingest = createIngest({
    lots,
    store,
    mqttUrl,
    username: 'demo-ingest',
    password: DEMO_PASSWORD,
    clientId: 'docs-ingest',
    logger: quietLogger(),
  });
  await ingest.start();
  ({ api, port: apiPort } = await startDemoApi(0));
  base = `http://127.0.0.1:${apiPort}`;
});
afterEach(async () => {
  await api.stop();
  await ingest.stop();
  await broker.stop();
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

/** A doc's command with only the addresses changed to this test's servers. */
function localised(command: string): string {
  const influx = new URL(inject('influxUrl'));
  return command
    .replaceAll(DOC_API, base)
    .replaceAll('ws://127.0.0.1:8080', base.replace('http', 'ws'))
    .replaceAll('127.0.0.1:8086', influx.host)
    .replace(/^mosquitto_pub /, `mosquitto_pub -p ${mqttPort} `);
}

async function runShell(command: string): Promise<string> {
  const { stdout } = await run('bash', ['-c', localised(command)], { env: { ...process.env, ADMIN_TOKEN }, timeout: 10_000 });
  return stdout;
}

const DOCS = ['README.md', ...readdirSync(join(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('shell examples in the docs', () => {
  const withCommands = DOCS.map((file) => [file, shellCommands(file, ['curl', 'mosquitto_pub'])] as const).filter(([, c]) => c.length > 0);

  it('finds the examples the readers run', () => {
    expect(withCommands.map(([f]) => f)).toEqual(expect.arrayContaining(['README.md', 'docs/api.md', 'docs/operations.md', 'docs/protocol.md']));
  });

  it.each(withCommands)('%s: every curl and mosquitto_pub line runs and gets no error', async (_file, commands) => {
    for (const command of commands) {
      const out = await runShell(command);
      expect(out, command).not.toMatch(/"error":\{/);
      if (command.startsWith('curl -s ') && !command.startsWith('curl -sI')) expect(() => JSON.parse(out), `${command} prints JSON`).not.toThrow();
      if (command.startsWith('curl -sI')) expect(out, command).toMatch(/^HTTP\/1\.1 2\d\d/);
    }
  });

  it('README: the Try-it publish shows up in the curl that follows it', async () => {
    const [pub, get] = shellCommands('README.md', ['mosquitto_pub', 'curl']);
    await runShell(pub!);
    await waitFor(async () => JSON.parse(await runShell(get!)).occupied === 4, { what: 'occupied 4 as the README says' });
  });
});

/**
 * A port that accepts TCP and closes it at once: a WebSocket handshake there fails, as it does
 * while the API restarts behind a proxy. Counts the attempts.
 */
async function refuser(port: number): Promise<{ attempts: () => number; close: () => Promise<void> }> {
  let attempts = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    attempts += 1;
    sockets.add(s);
    s.destroy();
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
  return { attempts: () => attempts, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Stops the API, lets the client fail to reconnect twice, then starts the API on the same port. */
async function restartApi() {
  await api.stop();
  const down = await refuser(apiPort);
  await waitFor(() => down.attempts() >= 2, { timeoutMs: 15_000, what: 'the client to retry while the API is down' });
  await down.close();
  ({ api } = await startDemoApi(apiPort));
}

const watchLots = () => blockWith('docs/api.md', 'js', 'function watchLots');

describe('the live client of docs/api.md', { timeout: 60_000 }, () => {
  it('in Node: prints the status, survives an API restart, and stop() ends it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'manku-doc-js-'));
    const file = join(dir, 'watch.mjs');
    // The reader's script, plus a way for the test to call the stop() it returns.
    writeFileSync(file, `${localised(watchLots())}\nprocess.stdin.once('data', () => stop());\n`);
    const flags = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-websocket'] : [];
    const child = spawn(process.execPath, [...flags, file], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await waitFor(() => out.includes('情報なし'), { timeoutMs: 10_000, what: 'the first status line' }).catch((e: Error) => {
      throw new Error(`${e.message}; the script printed ${JSON.stringify(out)} and on stderr ${JSON.stringify(err)}`);
    });
    const before = out.length;
    await restartApi();
    await waitFor(() => out.length > before, { timeoutMs: 15_000, what: 'a status after the restart' });
    child.stdin!.end('stop\n');
    expect(await exited).toBe(0); // nothing left scheduled: the process ends by itself
  });

  it('in Chromium: the same code recovers from an API restart', async () => {
    const { context } = await launchChromium('manku-doc-js-');
    try {
      const page = await context.newPage();
      // As the doc says: a page of the API's origin (Chromium blocks about:blank from reaching loopback).
      await page.goto(`${base}/healthz`);
      await page.evaluate(`window.seen = []; console.log = (line) => window.seen.push(line);\n${localised(watchLots())}\nwindow.stopWatching = stop;`);
      const seen = () => page.evaluate('window.seen.length') as Promise<number>;
      await waitFor(async () => (await seen()) > 0, { timeoutMs: 10_000, what: 'the first status in Chromium' });
      const before = await seen();
      await restartApi();
      await waitFor(async () => (await seen()) > before, { timeoutMs: 15_000, what: 'a status after the restart in Chromium' });
      await page.evaluate('window.stopWatching()');
    } finally {
      await context.close();
    }
  });
});

describe('the simulator library snippet of docs/simulator.md', { timeout: 90_000 }, () => {
  it('runs as written and plays its day into the service', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'manku-doc-sim-'));
    const file = join(dir, 'sim-day.ts');
    const code = blockWith('docs/simulator.md', 'ts', 'createSimulation')
      .replace("'./firmware-sim/index.js'", `'${pathToFileURL(join(REPO_ROOT, 'firmware-sim/index.ts')).href}'`)
      .replace('mqtt://127.0.0.1:1883', mqttUrl);
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}'); // as in the repository's root, where the doc says to save it
    writeFileSync(file, code);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', file], { cwd: REPO_ROOT, timeout: 60_000 });
    expect(stdout).toMatch(/^true$/m); // the promise it states holds
    const sent = Number(/sent: (\d+)/.exec(stdout)?.[1]);
    expect(sent).toBeGreaterThan(100);
    await waitFor(() => ingest.stats().accepted > 100, { what: 'ingest to take the simulated day' });
  });
});
