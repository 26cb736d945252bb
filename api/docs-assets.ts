/**
 * Swagger UI's files, served from the npm package `swagger-ui-dist` (no CDN): read and gzipped once,
 * on the first request that needs them, so an API that nobody reads the docs of never loads 2 MB.
 * Both off the event loop (libuv's thread pool): the broker and ingest may share this process.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);

/** The files /docs loads, by the name they are served under. */
export const SWAGGER_UI_FILES = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
} as const;
export type SwaggerUiFile = keyof typeof SWAGGER_UI_FILES;

export interface StaticAsset {
  body: Uint8Array;
  gzip: Uint8Array;
  contentType: string;
  /** Content hash (16 base64url characters), the ETag. */
  hash: string;
}

export const isSwaggerUiFile = (name: string): name is SwaggerUiFile => Object.hasOwn(SWAGGER_UI_FILES, name);

/** The folder of the installed swagger-ui-dist, and its version (shown on /docs). */
function distFolder(): { dir: string; version: string } {
  const pkg = createRequire(import.meta.url).resolve('swagger-ui-dist/package.json');
  return { dir: dirname(pkg), version: (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version };
}

export function createSwaggerUiAssets() {
  const cache = new Map<SwaggerUiFile, Promise<StaticAsset>>();
  let version: string | undefined;
  const load = async (name: SwaggerUiFile): Promise<StaticAsset> => {
    const body = await readFile(join(distFolder().dir, name));
    return { body, gzip: await gzipAsync(body), contentType: SWAGGER_UI_FILES[name], hash: createHash('sha256').update(body).digest('base64url').slice(0, 16) };
  };
  return {
    get(name: SwaggerUiFile): Promise<StaticAsset> {
      let asset = cache.get(name);
      if (!asset) {
        asset = load(name);
        asset.catch(() => cache.delete(name)); // a failed read is tried again by the next request
        cache.set(name, asset);
      }
      return asset;
    },
    version: () => (version ??= distFolder().version),
  };
}
export type SwaggerUiAssets = ReturnType<typeof createSwaggerUiAssets>;
