/**
 * The widget's card, built once in its shadow root and updated in place on each render. Parsing a
 * template with innerHTML on every status was about a sixth of the widget's main-thread time under
 * Lighthouse (docs/benchmarks.md), and replaced the link under a keyboard user's focus.
 * Parts that do not apply are taken out of the card, not hidden: the card holds only what it says.
 */
import type { Level } from '../protocol/status.js';

export interface CardView {
  level: Level;
  lang: string;
  glyph: string;
  name: string;
  /** The level in words (or loading / a set-up error). */
  label: string;
  /** The trend's arrow and its name for screen readers; absent: no trend shown. */
  trend?: { arrow: string; name: string };
  avail?: string;
  arrival?: string;
  time?: string;
  cta?: { href: string; text: string };
}

export type Card = { update(view: CardView): void };

export function createCard(parent: HTMLElement): Card {
  const make = <K extends keyof HTMLElementTagNameMap>(tag: K, className: string, attrs: Record<string, string> = {}) => {
    const e = document.createElement(tag);
    e.className = className;
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  };
  const card = make('div', 'card', { part: 'card' });
  const badge = make('span', 'badge', { 'aria-hidden': 'true' });
  const body = make('div', 'body');
  const name = make('div', 'name');
  const level = make('div', 'level');
  const label = document.createTextNode('');
  const trend = make('span', 'trend', { role: 'img' });
  const avail = make('div', 'avail');
  const arrival = make('div', 'arrival');
  const time = make('div', 'time');
  const cta = make('a', 'cta', { target: '_top', rel: 'noopener' });
  level.append(label);
  card.append(badge, body);
  parent.append(card);
  // Most renders change one number: leave the rest of the tree alone.
  const text = (node: Node, value: string) => {
    if (node.textContent !== value) node.textContent = value;
  };
  return {
    update(v) {
      card.className = `card ${v.level}`;
      card.lang = v.lang;
      text(badge, v.glyph);
      text(name, v.name);
      label.data = v.trend ? `${v.label} ` : v.label;
      if (v.trend) {
        trend.setAttribute('aria-label', v.trend.name);
        text(trend, v.trend.arrow);
        if (!trend.isConnected) level.append(trend);
      } else trend.remove();
      const shown: Node[] = [name, level];
      for (const [el, value] of [[avail, v.avail], [arrival, v.arrival], [time, v.time]] as const) {
        if (!value) continue;
        text(el, value);
        shown.push(el);
      }
      if (v.cta) {
        cta.setAttribute('href', v.cta.href);
        text(cta, v.cta.text);
        shown.push(cta);
      }
      const now = body.childNodes;
      if (shown.length !== now.length || shown.some((n, i) => now[i] !== n)) body.replaceChildren(...shown);
    },
  };
}
