/**
 * widget.js, built from widgets/ with esbuild when the API starts (no build step to forget), and
 * gzipped once here so no request pays for compressing it.
 */
import { fileURLToPath } from 'node:url';
import { bundleScript, type ScriptBundle } from './script-bundle.js';
import { STYLES } from '../widgets/styles.js';

export interface WidgetBundle extends ScriptBundle {
  /** The widget's stylesheet: where it falls back to a <style> element, our pages' CSP names its hash. */
  css: string;
}

/** The built widget, once the API has started: a part of its own, built by start(). */
export interface WidgetAssets {
  start(): Promise<WidgetBundle>;
  /** null until start() has built it (routes answer 503 meanwhile). */
  readonly bundle: WidgetBundle | null;
}

export function createWidgetAssets(): WidgetAssets {
  let bundle: WidgetBundle | null = null;
  return {
    async start() {
      bundle ??= await buildWidget();
      return bundle;
    },
    get bundle() {
      return bundle;
    },
  };
}

const entry = fileURLToPath(new URL('../widgets/widget.ts', import.meta.url));

export async function buildWidget(): Promise<WidgetBundle> {
  return { ...(await bundleScript(entry)), css: STYLES };
}
