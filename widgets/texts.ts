/** What the widget says, in Japanese and English. Colour is never the only signal (WCAG 1.4.1). */
import type { Level } from '../protocol/status.js';

export type Lang = 'ja' | 'en';

export const GLYPH: Record<Level, string> = { vacant: '空', crowded: '混', full: '満', unknown: '—' };

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
  },
};
