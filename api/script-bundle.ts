/** A browser script bundled by esbuild when the API starts, gzipped once, with its content hash. */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export interface ScriptBundle {
  js: string;
  /** The same script, gzipped (level 9): what goes over the wire to clients that accept gzip. */
  gzip: Uint8Array;
  bytes: number;
  gzipBytes: number;
  /** Content hash (16 base64url characters): the ETag and the `?v=` of versioned URLs. */
  hash: string;
}

/** @example await bundleScript(fileURLToPath(new URL('../widgets/widget.ts', import.meta.url))) */
export async function bundleScript(entry: string): Promise<ScriptBundle> {
  const result = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'iife', target: 'es2020', write: false, legalComments: 'none' });
  const contents = result.outputFiles[0]!.contents;
  const gzip = gzipSync(contents, { level: 9 });
  return {
    js: Buffer.from(contents).toString('utf8'),
    gzip,
    bytes: contents.byteLength,
    gzipBytes: gzip.byteLength,
    hash: createHash('sha256').update(contents).digest('base64url').slice(0, 16),
  };
}
