/**
 * ops.js, the operators' console (console/), bundled with uPlot by esbuild when the API starts (no
 * CDN, no build step to forget), and its stylesheet: ours plus uPlot's, inlined in /ops under a hash.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { CONSOLE_CSS } from '../console/styles.js';
import { bundleScript, type ScriptBundle } from './script-bundle.js';

export interface ConsoleBundle extends ScriptBundle {
  css: string;
}

export interface ConsoleAssets {
  start(): Promise<ConsoleBundle>;
  /** null until start() has built it (/ops answers 503 meanwhile). */
  readonly bundle: ConsoleBundle | null;
}

const entry = fileURLToPath(new URL('../console/main.ts', import.meta.url));
const uplotCss = () => readFileSync(createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'), 'utf8');

export function createConsoleAssets(): ConsoleAssets {
  let bundle: ConsoleBundle | null = null;
  return {
    async start() {
      bundle ??= { ...(await bundleScript(entry)), css: `${uplotCss()}\n${CONSOLE_CSS}` };
      return bundle;
    },
    get bundle() {
      return bundle;
    },
  };
}
