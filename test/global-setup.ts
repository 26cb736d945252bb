/**
 * One real influxd for the whole run; each test file uses its own database. And manku's entry
 * points built once (testkit/entry-points.ts): the tests' processes start from that copy instead of
 * transpiling through tsx on every start (test/setup-entry-points.ts hands it to each test file).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type {} from 'vitest';
import { buildEntryPoints } from '../testkit/entry-points.js';
import { startInfluxd } from '../testkit/influxd.js';

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string;
    entryPoints: string;
  }
}

export default async function setup(project: TestProject) {
  const built = await buildEntryPoints();
  project.provide('entryPoints', built);
  const dir = mkdtempSync(join(tmpdir(), 'manku-influxd-'));
  const influxd = await startInfluxd(dir);
  project.provide('influxUrl', influxd.url);
  return async () => {
    await influxd.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(built, { recursive: true, force: true });
  };
}
