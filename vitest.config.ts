import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/sequencer.js';

const shared = {
  pool: 'forks' as const,
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // 2 cores here: more workers only make the real servers fight for them.
    maxWorkers: 2,
    // Longest files first, on a fresh clone too (test/sequencer.ts).
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      // Pure logic: no servers, no influxd (`npx vitest run test/unit` starts nothing).
      // isolate: false: a worker imports the product once for all its unit files instead of once per
      // file (import was ~80 s of the run); the files keep no state between them (fake timers are restored).
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'], isolate: false } },
      // Real servers: one influxd for the run (globalSetup), brokers and HTTP on port 0, Chromium.
      // manku's processes start from entry points built once by globalSetup (setupFiles hands them over).
      { test: { ...shared, name: 'integration', include: ['test/integration/**/*.test.ts', 'test/browser/**/*.test.ts'], globalSetup: ['test/global-setup.ts'], setupFiles: ['test/setup-entry-points.ts'] } },
    ],
  },
});
