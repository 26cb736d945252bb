/**
 * Shadow DOM styles; themable through CSS custom properties on the element (docs/widget.md).
 * Typography and colours are set on .root, inside the shadow root, not on :host: a page rule that
 * matches the element itself (`* { color: #333 }`) beats :host, and everything inheritable would
 * flow in from the page. `all: initial` resets every inherited property (custom properties are not
 * part of `all`, so the documented --manku-* ones still get in); `direction` is not part of `all`.
 */
export const STYLES = `
:host{display:block;max-width:100%;min-width:240px}
.root{all:initial;display:block;direction:ltr;font-family:var(--manku-font,system-ui,-apple-system,"Hiragino Sans","Noto Sans JP",sans-serif);font-size:var(--manku-font-size,medium);color:var(--manku-fg,#1f1f1f)}
.card{display:flex;gap:.75em;align-items:center;padding:.75em;background:var(--manku-bg,#fff);border:1px solid var(--manku-border,#d0d0d0);border-radius:var(--manku-radius,.5em)}
.badge{flex:none;display:grid;place-items:center;width:2.6em;height:2.6em;border-radius:var(--manku-radius,.5em);font-size:1.6em;font-weight:700;color:#fff;background:var(--c)}
.vacant{--c:var(--manku-vacant,#1e6b34)}.crowded{--c:var(--manku-crowded,#9a4d00)}.full{--c:var(--manku-full,#b3261e)}.unknown{--c:var(--manku-unknown,#5f6368)}
.body{min-width:0;line-height:1.35}
.name{font-size:.9em}
.level{font-weight:700;font-size:1.15em;color:var(--c)}
.unknown .level{color:var(--manku-unknown-text,#3c4043)}
.avail,.arrival{font-size:.95em}
.trend{font-weight:400}
.time{font-size:.8em;color:var(--manku-muted,#4d4d4d)}
.cta{display:inline-block;margin-top:.35em;padding:.3em .8em;border-radius:999px;background:var(--manku-cta-bg,#0b57d0);color:var(--manku-cta-fg,#fff);font-weight:700;text-decoration:none}
.cta:focus-visible{outline:3px solid var(--manku-focus,#f9ab00);outline-offset:2px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
:host([compact]) .card{padding:.4em;gap:.5em}
:host([compact]) .badge{width:1.9em;height:1.9em;font-size:1.2em}
:host([compact]) .name,:host([compact]) .time{display:none}
@media (prefers-reduced-motion:no-preference){.badge{transition:background-color .3s}}
`;
