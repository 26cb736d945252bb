/**
 * ops.js, the operators' console (console/), bundled with uPlot by esbuild on the first request
 * for /ops (no CDN, no build step to forget; an API nobody opens the console on never pays for it),
 * and its stylesheet: ours plus uPlot's, inlined in /ops under a hash.
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
  /** Builds once; every caller gets the same bundle. */
  bundle(): Promise<ConsoleBundle>;
}

const entry = fileURLToPath(new URL('../console/main.ts', import.meta.url));
const uplotCss = () => readFileSync(createRequire(import.meta.url).resolve('uplot/dist/uPlot.min.css'), 'utf8');

export function createConsoleAssets(): ConsoleAssets {
  let built: Promise<ConsoleBundle> | null = null;
  return {
    bundle() {
      built ??= bundleScript(entry).then((js) => ({ ...js, css: `${uplotCss()}\n${CONSOLE_CSS}` }));
      return built;
    },
  };
}
