// testkit: helpers shared by tests and benchmarks (both import testkit/; tests never import bench/).
/** Debian's Chromium, headless, through playwright-core: never a downloaded browser. */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * A fresh persistent context in a temp profile. Missing Chromium is an error, never a skip.
 * The background-networking flags keep it from calling out (this machine has no network).
 */
export async function launchChromium(prefix = 'manku-chromium-'): Promise<{ context: BrowserContext; profile: string }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium (a missing browser is a failure, not a skip)`);
  const profile = mkdtempSync(join(tmpdir(), prefix));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, TMPDIR: profile }, // Chromium's temp files stay in the profile's temp dir
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { context, profile };
}
