/**
 * The console's state and page: header (language), sign-in, lots with live level and their gates,
 * calibration, chart, bus suggestions (nudge). Lots re-render on every change; the forms are built once per language, so
 * focus and typed values survive live updates.
 */
import type { LotGates } from '../protocol/gates.js';
import type { LotStatus } from '../protocol/status.js';
import { getGates, getLots } from './api.js';
import { calibrationForm } from './calibration-form.js';
import { chartSection, type ChartSection } from './chart-section.js';
import { h } from './dom.js';
import { gatesTable } from './gates-table.js';
import { connectLive } from './live.js';
import { nudgeSection } from './nudge-section.js';
import { createSession } from './session.js';
import { TEXTS, type Lang } from './texts.js';

/** Gates are re-read on a lot's live change, at most once a second, and every few seconds anyway. */
const GATES_MIN_GAP_MS = 1000;
const GATES_POLL_MS = 5000;

export function createConsole(root: HTMLElement) {
  const session = createSession();
  /** The API serves nudge-stats (api/routes/console.ts marks the page). */
  const nudgeServed = root.dataset.nudge === 'on';
  const query = new URLSearchParams(location.search).get('lang');
  let lang: Lang = query === 'en' || query === 'ja' ? query : navigator.language.startsWith('ja') ? 'ja' : 'en';
  const lots = new Map<string, LotStatus>();
  const gates = new Map<string, LotGates>();
  const lastGatesAt = new Map<string, number>();
  const trailing = new Map<string, ReturnType<typeof setTimeout>>();
  let live = false;
  let authError: string | null = null;
  let lotsBox: HTMLElement | null = null;
  let connBox: HTMLElement | null = null;
  let chart: ChartSection | null = null;
  const t = () => TEXTS[lang];
  const ordered = () => [...lots.values()];

  async function refreshGates(lotId: string, force = false) {
    const token = session.token;
    const now = Date.now();
    if (!token) return;
    const wait = (lastGatesAt.get(lotId) ?? 0) + GATES_MIN_GAP_MS - now;
    if (!force && wait > 0) {
      // Too soon after the last read: read once more when the gap is over, so no change is missed.
      if (!trailing.has(lotId)) trailing.set(lotId, setTimeout(() => (trailing.delete(lotId), void refreshGates(lotId)), wait));
      return;
    }
    lastGatesAt.set(lotId, now);
    const answer = await getGates(lotId, token);
    if (answer.ok) {
      gates.set(lotId, answer.data);
      authError = null;
    } else if (answer.status === 401 || answer.status === 403) {
      authFailed(answer.message);
    }
    renderLots();
  }

  function authFailed(message: string) {
    authError = message;
    gates.clear();
    session.clear();
    renderAll('token');
  }

  function lotCard(s: LotStatus) {
    const tx = t();
    const g = gates.get(s.lotId);
    const headingId = `lot-${s.lotId}`;
    return h(
      'article',
      { class: 'lot', 'aria-labelledby': headingId, 'data-lot': s.lotId },
      h('h3', { id: headingId }, s.name[lang]),
      h('p', {}, h('span', { class: `level level-${s.level}` }, `${s.label} ${tx.level[s.level]}`), ' — ', h('span', { class: 'occupied' }, tx.occupied(s.occupied, s.capacity))),
      session.token ? (g ? gatesTable(g, tx, lang, s.timeZone) : null) : h('p', { class: 'help' }, tx.gatesNeedToken),
    );
  }

  function renderLots() {
    if (!lotsBox) return;
    lotsBox.replaceChildren(...ordered().map(lotCard));
    if (connBox) connBox.textContent = live ? t().live : t().offline;
  }

  function authSection() {
    const tx = t();
    if (session.token) {
      return h('section', { 'aria-labelledby': 'auth-h' }, h('h2', { id: 'auth-h' }, tx.signIn), h('p', {}, tx.signedIn, ' ', h('button', { type: 'button', id: 'sign-out', onclick: () => { session.clear(); gates.clear(); renderAll('token'); } }, tx.signOut)));
    }
    const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', 'aria-describedby': 'token-help', required: true });
    const remember = h('input', { id: 'remember', type: 'checkbox' });
    const form = h(
      'form',
      { id: 'token-form' },
      h('label', { for: 'token' }, tx.tokenLabel),
      input,
      ' ',
      h('button', { type: 'submit', class: 'primary', id: 'use-token' }, tx.useToken),
      h('p', {}, remember, h('label', { for: 'remember', class: 'inline' }, tx.remember)),
      h('p', { id: 'token-help', class: 'help' }, tx.tokenHelp),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      session.set(value, remember.checked);
      authError = null;
      renderAll('sign-out');
      for (const id of lots.keys()) void refreshGates(id, true);
    });
    return h(
      'section',
      { 'aria-labelledby': 'auth-h' },
      h('h2', { id: 'auth-h' }, tx.signIn),
      authError ? h('p', { class: 'error', role: 'alert' }, tx.authError(authError)) : h('p', {}, tx.signedOut),
      form,
    );
  }

  /** Builds the whole page (on start, a language change, signing in or out); focus goes back to `focusId`. */
  function renderAll(focusId?: string) {
    const tx = t();
    document.documentElement.lang = lang;
    document.title = tx.title;
    const other: Lang = lang === 'ja' ? 'en' : 'ja';
    const switcher = h('button', { type: 'button', id: 'lang', lang: other, 'aria-label': tx.switchLangLabel, onclick: () => { lang = other; renderAll('lang'); } }, tx.switchLang);
    connBox = h('span', { class: 'conn', role: 'status' });
    lotsBox = h('div', { class: 'lots', id: 'lots' });
    chart = chartSection(tx, lang, ordered);
    const cal = calibrationForm({ t: tx, lang, lots: ordered, token: () => session.token, onAuthError: authFailed });
    root.replaceChildren(
      h('header', {}, h('h1', {}, tx.title), connBox, switcher),
      h(
        'main',
        {},
        authSection(),
        h('section', { 'aria-labelledby': 'lots-h' }, h('h2', { id: 'lots-h' }, tx.lots), lotsBox),
        h('section', { 'aria-labelledby': 'cal-h' }, h('h2', { id: 'cal-h' }, tx.calibration), cal),
        h('section', { 'aria-labelledby': 'chart-h' }, h('h2', { id: 'chart-h' }, tx.chart), chart.el),
        h('section', { 'aria-labelledby': 'nudge-h' }, h('h2', { id: 'nudge-h' }, tx.nudge), nudgeServed ? nudgeSection(tx, lang, ordered) : h('p', { id: 'nudge-summary', class: 'help' }, `${tx.nudgeOff}.`)),
      ),
    );
    renderLots();
    if (focusId) document.getElementById(focusId)?.focus();
  }

  async function start() {
    const answer = await getLots();
    if (answer.ok) for (const s of answer.data.lots) lots.set(s.lotId, s);
    renderAll();
    for (const id of lots.keys()) void refreshGates(id, true);
    connectLive({
      lots: () => [...lots.keys()],
      onStatus(status) {
        if (!lots.has(status.lotId)) return;
        lots.set(status.lotId, status);
        chart?.onStatus(status);
        renderLots();
        void refreshGates(status.lotId);
      },
      onState(state) {
        live = state;
        renderLots();
      },
    });
    setInterval(() => {
      for (const id of lots.keys()) void refreshGates(id, true);
    }, GATES_POLL_MS);
  }

  void start();
}
