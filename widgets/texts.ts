/** What the widget says, in Japanese and English. Colour is never the only signal (WCAG 1.4.1). */
import type { Level, Trend } from '../protocol/status.js';

export type Lang = 'ja' | 'en';

export const GLYPH: Record<Level, string> = { vacant: '空', crowded: '混', full: '満', unknown: '—' };

/** The trend's arrow; its name for screen readers is TEXT[lang].trend. */
export const ARROW: Record<Trend, string> = { filling: '↗', emptying: '↘', steady: '→' };

export const TEXT = {
  ja: {
    level: { vacant: '空車', crowded: '混雑', full: '満車', unknown: '情報なし' } as Record<Level, string>,
    available: (a: number, c: number) => `空き ${a}台 / ${c}台`,
    updated: (t: string) => `更新 ${t}`,
    cta: 'バスで行く',
    unknownLot: '駐車場が見つかりません',
    missingLot: 'lot 属性がありません',
    loading: '読み込み中…',
    announce: (name: string, level: string) => `${name}: ${level}`,
    trend: { filling: '増加中', emptying: '減少中', steady: '横ばい' } as Record<Trend, string>,
    arrival: (min: number, level: string) => `${min}分後：${level}の見込み`,
  },
  en: {
    level: { vacant: 'Vacant', crowded: 'Crowded', full: 'Full', unknown: 'No information' } as Record<Level, string>,
    available: (a: number, c: number) => `${a} of ${c} spaces free`,
    updated: (t: string) => `Updated ${t}`,
    cta: 'Go by bus',
    unknownLot: 'Car park not found',
    missingLot: 'The attribute "lot" is missing',
    loading: 'Loading…',
    announce: (name: string, level: string) => `${name}: ${level}`,
    trend: { filling: 'Filling up', emptying: 'Emptying', steady: 'Steady' } as Record<Trend, string>,
    arrival: (min: number, level: string) => `In ${min} min: likely ${level.toLowerCase()}`,
  },
};
