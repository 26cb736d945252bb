/**
 * `npm run bench -- console`: the size of ops.js, the operators' console (console/ with uPlot),
 * as /ops serves it: minified bytes and gzipped bytes (level 9, what goes over the wire), and the
 * inlined stylesheet. Build time is printed too (it is paid once, on the first request for /ops).
 */
import { createConsoleAssets } from '../../api/console-assets.js';

export async function consoleBench() {
  const started = performance.now();
  const b = await createConsoleAssets().bundle();
  const buildMs = Math.round(performance.now() - started);
  console.log(`ops.js: ${b.bytes} bytes, ${b.gzipBytes} bytes (${(b.gzipBytes / 1024).toFixed(2)} KiB) gzipped; stylesheet ${b.css.length} bytes; built in ${buildMs} ms`);
  return { opsJsBytes: b.bytes, opsJsGzipBytes: b.gzipBytes, cssBytes: b.css.length, buildMs };
}
