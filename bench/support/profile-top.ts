/**
 * `npx tsx bench/support/profile-top.ts FILE.cpuprofile [N]`: the N functions with the most self
 * time in a V8 CPU profile, with their share of the samples, and the same summed by package.
 */
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }
const [file, n = '30'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file!, 'utf8')) as { nodes: Node[]; samples: number[] };
const hits = new Map<number, number>();
for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
const total = profile.samples.length;
const self = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const node of profile.nodes) {
  const h = hits.get(node.id) ?? 0;
  if (!h) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^file:\/\/.*?node_modules\//, '').replace(/^file:\/\/\/work\/[^/]+\//, '');
  const key = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + h);
  const pkg = url.includes('node_modules/') ? url.split('node_modules/')[1]!.split('/')[0]! : url.startsWith('node:') ? 'node' : url ? 'manku' : functionName || '(vm)';
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + h);
}
const pct = (h: number) => `${((h / total) * 100).toFixed(1).padStart(5)} %`;
console.log(`${total} samples`);
for (const [k, h] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`${pct(h)}  ${k}`);
console.log('by package:');
for (const [k, h] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${pct(h)}  ${k}`);
