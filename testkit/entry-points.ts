// testkit: helpers shared by tests and benchmarks (both import testkit/; tests never import bench/).
/**
 * How tests start manku's entry points as processes: `node --import tsx bin/manku.ts` (what
 * `npm start` and `npm run manku` run), or, once a test run has built them (test/global-setup.ts),
 * `node BUILT/manku.js`. tsx resolves and transpiles the TypeScript graph through loader hooks on
 * every start (about twice the CPU of the built copy); the built copy is the same source, transpiled
 * once by esbuild as tsx would, with npm packages left to Node exactly as in a tsx start.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The entry points tests start, by name (the built file is NAME.js). */
export const ENTRY_POINTS = { manku: 'bin/manku.ts', sim: 'firmware-sim/cli.ts' } as const;
export type EntryPoint = keyof typeof ENTRY_POINTS;

/**
 * Each source file keeps its own `import.meta.url`, so what it finds beside itself (config/,
 * widgets/, console/, npm packages through createRequire) it finds from the built copy too.
 */
const ownUrl: Plugin = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async ({ path }) => ({
      contents: (await readFile(path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href)),
      loader: 'ts',
    }));
  },
};

/**
 * Builds every entry point into a new directory under the repository's `.tmp/` (inside the
 * repository so Node finds node_modules from it) and returns that directory. Code splitting keeps
 * the lazy `import('../api/index.js')`: a broker or ingest process still never loads the API.
 */
export async function buildEntryPoints(): Promise<string> {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  const outdir = mkdtempSync(join(ROOT, '.tmp', 'entry-points-'));
  const entryPoints = Object.fromEntries(Object.entries(ENTRY_POINTS).map(([name, file]) => [name, join(ROOT, file)]));
  await build({ entryPoints, outdir, bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', plugins: [ownUrl], logLevel: 'warning' });
  return outdir;
}

let builtDir: string | null = null;

/** Where the built entry points are (from buildEntryPoints), or null to start them through tsx. */
export function useBuiltEntryPoints(dir: string | null | undefined) {
  builtDir = dir ?? null;
}

/**
 * Node's arguments to run an entry point: the built copy when there is one, else through tsx.
 * `via: 'tsx'` always runs the source as `npm start` / `npm run manku` / `npm run sim` do.
 * @example spawn(process.execPath, nodeArgs('manku', ['hash-password', 'x']), { cwd: REPO_ROOT })
 */
export function nodeArgs(entry: EntryPoint, args: readonly string[], { via }: { via?: 'tsx' } = {}): string[] {
  if (builtDir && via !== 'tsx') return [join(builtDir, `${entry}.js`), ...args];
  return ['--import', 'tsx', join(ROOT, ENTRY_POINTS[entry]), ...args];
}
