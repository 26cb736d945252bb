/**
 * widget.js, built from widgets/ with esbuild when the API starts (no build step to forget), and
 * gzipped once here so no request pays for compressing it.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { STYLES } from '../widgets/styles.js';

export interface WidgetBundle {
  js: string;
  /** The same script, gzipped (level 9): what goes over the wire to clients that accept gzip. */
  gzip: Uint8Array;
  bytes: number;
  gzipBytes: number;
  /** Content hash (16 base64url characters): the ETag and the `?v=` of versioned URLs. */
  hash: string;
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
  const result = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'iife', target: 'es2020', write: false, legalComments: 'none' });
  const contents = result.outputFiles[0]!.contents;
  const gzip = gzipSync(contents, { level: 9 });
  return {
    js: Buffer.from(contents).toString('utf8'),
    gzip,
    bytes: contents.byteLength,
    gzipBytes: gzip.byteLength,
    hash: createHash('sha256').update(contents).digest('base64url').slice(0, 16),
    css: STYLES,
  };
}
