/** Code examples as the docs show them, so tests can run exactly what a reader would copy. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CodeBlock {
  file: string;
  lang: string;
  code: string;
}

/** Every fenced block of a Markdown file (path relative to the repository root). */
export function codeBlocks(file: string): CodeBlock[] {
  const text = readFileSync(`${REPO_ROOT}${file}`, 'utf8');
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ file, lang: m[1]!, code: m[2]! }));
}

/** Shell commands of the `sh` blocks, with backslash continuations joined, that start with one of `programs`. */
export function shellCommands(file: string, programs: readonly string[]): string[] {
  return codeBlocks(file)
    .filter((b) => b.lang === 'sh')
    .flatMap((b) => b.code.replace(/\\\n\s*/g, '').split('\n'))
    .map((line) => line.trim())
    .filter((line) => programs.some((p) => line.startsWith(`${p} `)));
}

/** The one block of `lang` in `file` that contains `marker`; throws when there is not exactly one. */
export function blockWith(file: string, lang: string, marker: string): string {
  const found = codeBlocks(file).filter((b) => b.lang === lang && b.code.includes(marker));
  if (found.length !== 1) throw new Error(`${file}: expected one \`${lang}\` block containing ${marker}, found ${found.length}`);
  return found[0]!.code;
}
