/** Reading <manku-status> widgets in a Chromium page (through their shadow roots), for browser tests. */
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);

/** The visible text of the widget matching `selector`, whitespace folded. */
export const widgetText = (p: Page, selector = 'manku-status') =>
  p.evaluate((sel) => (document.querySelector(sel)?.shadowRoot?.querySelector('.card')?.textContent ?? '').replace(/\s+/g, ' '), selector);

/** Polls the widget's text until it matches; the error names the last text seen. */
export async function waitForText(p: Page, pattern: RegExp, selector = 'manku-status', timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await widgetText(p, selector);
    if (pattern.test(text)) return text;
    await p.waitForTimeout(50);
  }
  throw new Error(`widget never showed ${pattern}; last: "${text}"`);
}

/** axe-core's serious and critical findings on the page (WCAG 2 A/AA and best practice). */
export async function axeViolations(p: Page) {
  await p.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const violations = await p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } }).axe;
    const result = await axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'best-practice'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
