/** widget.js, built from widgets/ with esbuild when the API starts (no build step to forget). */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface WidgetBundle {
  js: string;
  bytes: number;
  gzipBytes: number;
}

const entry = fileURLToPath(new URL('../widgets/widget.ts', import.meta.url));

export async function buildWidget(): Promise<WidgetBundle> {
  const result = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'iife', target: 'es2020', write: false, legalComments: 'none' });
  const contents = result.outputFiles[0]!.contents;
  return { js: Buffer.from(contents).toString('utf8'), bytes: contents.byteLength, gzipBytes: gzipSync(contents, { level: 9 }).byteLength };
}
