/**
 * <manku-status lot="demo-hospital" lang="ja|en" api="https://…" link="https://…" link-label="…"
 *               time-zone="Asia/Tokyo" stale-after="180" arrival="30" compact></manku-status>
 * Shows 空/混/満 with a text label, the trend, spaces free, the lot's name, the time of the last
 * update and the forecast level at the visitor's arrival (`arrival` minutes ahead, when given).
 * The bus suggestion comes from the lot's `nudge` settings (link, label, levels); `link` and
 * `link-label` override the link and its label.
 * Unknown or stale data shows a neutral "情報なし / No information", never the last good level.
 */
import type { Level, LotStatus } from '../protocol/status.js';
import { connectionFor, type Connection } from './connection.js';
import { STYLES } from './styles.js';
import { arrivalPoint, suggestsBus } from './arrival.js';
import { ARROW, GLYPH, TEXT, type Lang } from './texts.js';
import { nudgeSettingsFor, type Nudge } from './nudge-settings.js';
import { createCard, type Card } from './card.js';

/** The script's own origin: the default API base. Captured while the script runs. */
const scriptOrigin = (() => {
  const src = (document.currentScript as HTMLScriptElement | null)?.src;
  try {
    return src ? new URL(src).origin : location.origin;
  } catch {
    return location.origin;
  }
})();

/**
 * One constructable stylesheet shared by every widget on the page. Unlike a <style> element it is
 * not inline style for the page's Content-Security-Policy, so a site with a strict `style-src` needs
 * nothing extra. Browsers without it (Safari before 16.4) get a <style> element.
 */
const sheet = (() => {
  if (!('adoptedStyleSheets' in ShadowRoot.prototype)) return null;
  try {
    const s = new CSSStyleSheet();
    s.replaceSync(STYLES);
    return s;
  } catch {
    return null;
  }
})();

export class MankuStatus extends HTMLElement {
  static observedAttributes = ['lot', 'lang', 'api', 'link', 'link-label', 'time-zone', 'stale-after', 'arrival', 'measure', 'compact'];
  private card: Card;
  private region: HTMLDivElement;
  private status: LotStatus | null = null;
  private error: string | undefined;
  private connection: Connection | null = null;
  private unsubscribe: (() => void) | null = null;
  private connected = false;
  /** Renders again when the shown status goes stale with nothing live behind it. */
  private staleTimer: ReturnType<typeof setTimeout> | null = null;
  private announced: Level | null = null;
  private base = '';
  /** What the shown suggestion was counted for (level now | at arrival); null while none is shown. */
  private suggested: { level: Level; arrival?: string } | null = null;
  /** The lot's bus suggestion; undefined until its settings have come (nothing is suggested before). */
  private nudge: Nudge | undefined;
  /** Which settings are being fetched (`base lot`), so a status does not ask twice. */
  private loadingNudge = '';

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    if (sheet) root.adoptedStyleSheets = [sheet];
    root.innerHTML = `${sheet ? '' : `<style>${STYLES}</style>`}<div class="root"><div></div><div class="sr" role="status" aria-live="polite"></div></div>`;
    const inner = root.querySelector('.root')!;
    this.card = createCard(inner.children[0] as HTMLDivElement);
    // One lasting live region, so assistive technology hears each level change once.
    this.region = inner.children[1] as HTMLDivElement;
    root.addEventListener('click', (e) => {
      if (this.suggested && (e.target as Element).closest?.('.cta')) this.measure('followed', this.suggested);
    });
  }

  connectedCallback() {
    this.connected = true;
    this.resubscribe();
  }

  disconnectedCallback() {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.connected = false;
    this.watchStaleness();
  }

  attributeChangedCallback(name: string) {
    // An upgrade calls this once per attribute before connectedCallback, which does it all once.
    if (!this.connected) return;
    if (name === 'lot' || name === 'api') this.resubscribe();
    else this.render();
  }

  private get language(): Lang {
    return this.getAttribute('lang') === 'en' ? 'en' : 'ja';
  }

  private resubscribe() {
    this.unsubscribe?.();
    this.status = null;
    this.error = undefined;
    const lot = this.getAttribute('lot');
    const base = (this.base = (this.getAttribute('api') || scriptOrigin).replace(/\/+$/, ''));
    this.connection = connectionFor(base);
    this.nudge = undefined;
    if (lot) {
      this.unsubscribe = this.connection.subscribe(lot, (status, error) => {
        if (status) this.status = status;
        // The settings are asked for only once a suggestion could be due: most views (空) never need them.
        if (status && this.nudge === undefined && this.couldSuggest()) this.loadNudge(lot, base);
        this.error = status ? undefined : error ?? this.error;
        this.render();
      });
    } else {
      // Otherwise it would say 読み込み中… forever, and the page's web team would not know why.
      this.error = 'missing_lot';
      console.error('<manku-status>: the attribute "lot" is missing; set it to a car park id, e.g. <manku-status lot="demo-hospital"> (GET /api/v1/lots on the API lists them)');
    }
    this.render();
  }

  private loadNudge(lot: string, base: string) {
    const key = `${base} ${lot}`;
    if (this.loadingNudge === key) return;
    this.loadingNudge = key;
    void nudgeSettingsFor(base, lot).then((nudge) => {
      if (this.loadingNudge === key) this.loadingNudge = '';
      if (lot !== this.getAttribute('lot') || base !== this.base) return; // a later resubscribe asked for another
      this.nudge = nudge;
      this.render();
    });
  }

  /**
   * An anonymous count for docs/nudge.md: the event and levels only. Nothing when the page says
   * measure="off" or the visitor asks not to be tracked (Do Not Track, Global Privacy Control).
   */
  private measure(event: 'shown' | 'followed', levels: { level: Level; arrival?: string }) {
    const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
    const lot = this.getAttribute('lot');
    if (!lot || this.getAttribute('measure') === 'off' || nav.doNotTrack === '1' || nav.globalPrivacyControl) return;
    const url = `${this.base}/api/v1/lots/${encodeURIComponent(lot)}/nudge-events`;
    const body = JSON.stringify({ event, ...levels });
    // A beacon outlives the navigation the click starts; a string body goes as text/plain: no preflight.
    if (!nav.sendBeacon?.(url, body)) fetch(url, { method: 'POST', body, keepalive: true, credentials: 'omit' }).catch(() => {});
  }

  /** Whether any lot's settings would suggest the bus now: the default rule is the widest one (混 or 満, now or at arrival). */
  private couldSuggest(): boolean {
    const level = this.level();
    return suggestsBus(level, this.arrival(level)?.level ?? null);
  }

  private arrivalMin(): number {
    return Number(this.getAttribute('arrival') || 30);
  }

  /** The forecast point for the arrival time; none while the level is unknown. */
  private arrival(level: Level) {
    return level === 'unknown' ? null : arrivalPoint(this.status, this.arrivalMin());
  }

  /** unknown when the server says so, or when our data is older than the stale window and nothing live backs it. */
  private level(): Level {
    const s = this.status;
    if (!s || s.stale) return 'unknown';
    return !this.backed() && Date.now() > this.staleAt(s) ? 'unknown' : s.level;
  }

  /** Statuses are coming in (socket open or the poll answering): the server says when one is stale. */
  private backed(): boolean {
    return !!(this.connection?.live || this.connection?.polling);
  }

  private staleAt(s: LotStatus): number {
    return s.observedAt ? Date.parse(s.observedAt) + Number(this.getAttribute('stale-after') || 180) * 1000 : -Infinity;
  }

  /**
   * While nothing live backs the shown level, it must still turn to 情報なし on time: one timer for
   * that moment. The connection tells every widget when it goes down or up, which renders again
   * and sets or clears the timer, so no widget wakes up on an interval.
   */
  private watchStaleness(level: Level = 'unknown') {
    if (this.staleTimer) clearTimeout(this.staleTimer);
    this.staleTimer = null;
    if (!this.connected || level === 'unknown' || !this.status || this.backed()) return;
    // Capped: a longer delay than 2^31-1 ms overflows and would fire at once, again and again.
    this.staleTimer = setTimeout(() => this.render(), Math.min(2 ** 31 - 1, Math.max(0, this.staleAt(this.status) - Date.now()) + 1));
  }

  private render() {
    const t = TEXT[this.language];
    const s = this.status;
    const level = this.level();
    const name = s ? (this.language === 'en' ? s.name.en : s.name.ja) : this.getAttribute('lot') ?? '';
    const time = s?.observedAt ? clock(s, this.getAttribute('time-zone'), this.language) : '';
    const inMin = this.arrivalMin();
    const arrival = this.arrival(level);
    const trend = level === 'unknown' ? undefined : s?.trend;
    const nudge = this.nudge;
    const link = this.getAttribute('link') || nudge?.href;
    const cta = link && nudge !== undefined && suggestsBus(level, arrival?.level ?? null, nudge?.when)
      ? this.getAttribute('link-label') || nudge?.label[this.language] || t.cta
      : '';
    const label = this.error === 'missing_lot' ? missingLotLabel(this.language) : this.error === 'unknown_lot' ? t.unknownLot : s ? t.level[level] : t.loading;
    this.card.update({
      level,
      lang: this.language,
      glyph: GLYPH[level],
      name,
      label,
      trend: trend && { arrow: ARROW[trend], name: t.trend[trend] },
      avail: s && level !== 'unknown' ? t.available(s.available, s.capacity) : undefined,
      arrival: arrival ? t.arrival(inMin, t.level[arrival.level]) : undefined,
      time: time ? t.updated(time) : undefined,
      cta: cta ? { href: link!, text: cta } : undefined,
    });
    this.watchStaleness(level);
    // Counted once per page view and change of what is suggested, not per render (issue 15).
    const shown = cta ? { level, ...(arrival ? { arrival: arrival.level } : {}) } : null;
    if (shown && (shown.level !== this.suggested?.level || shown.arrival !== this.suggested?.arrival)) this.measure('shown', shown);
    this.suggested = shown;
    if (s && !performance.getEntriesByName('manku:first-status-paint').length) {
      requestAnimationFrame(() => {
        if (!performance.getEntriesByName('manku:first-status-paint').length) performance.mark('manku:first-status-paint');
      });
    }
    // Announce level changes, not every count change.
    if (s && level !== this.announced) {
      if (this.announced !== null) this.region.textContent = t.announce(name, t.level[level]);
      this.announced = level;
    }
  }
}

/**
 * HH:MM of the last update in the lot's zone by arithmetic on the offset the status carries: the
 * first Intl call of a page loads ICU's data and cost a throttled phone 0.2–0.3 s (Lighthouse).
 * Intl only for another zone (the time-zone attribute) or a status from before utcOffsetMin.
 */
function clock(s: LotStatus, zone: string | null, lang: Lang): string {
  const at = new Date(s.observedAt!);
  if ((!zone || zone === s.timeZone) && s.utcOffsetMin !== undefined) {
    const local = new Date(at.getTime() + s.utcOffsetMin * 60_000).toISOString();
    return local.slice(11, 16);
  }
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'ja-JP', { timeZone: zone || s.timeZone, hour: '2-digit', minute: '2-digit' }).format(at);
}

/** A set-up mistake: said in both languages, whoever reads it (the visitor or the site's web team). */
function missingLotLabel(lang: Lang): string {
  return lang === 'en' ? `${TEXT.en.missingLot} / ${TEXT.ja.missingLot}` : `${TEXT.ja.missingLot} / ${TEXT.en.missingLot}`;
}
