/** The console's stylesheet (inlined in /ops; the page's CSP names its hash). Contrast ≥ 4.5:1. */
export const CONSOLE_CSS = `body{font:15px/1.5 system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:0;color:#1f1f1f;background:#fafafa}
header{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.5rem 1rem;background:#1f3a5f;color:#fff}
header h1{font-size:1.2rem;margin:0}
main{max-width:72rem;margin:auto;padding:0 1rem 2rem}
section{margin:1.25rem 0}
h2{font-size:1.1rem;border-bottom:1px solid #ccc;padding-bottom:.25rem}
button{font:inherit;padding:.3rem .8rem;border:1px solid #1f3a5f;border-radius:4px;background:#fff;color:#1f3a5f;cursor:pointer}
button.primary{background:#1f3a5f;color:#fff}
header button{border-color:#fff}
:focus-visible{outline:3px solid #e8a400;outline-offset:2px}
input,select{font:inherit;padding:.25rem}
label{display:block;margin:.4rem 0 .1rem}
label.inline{display:inline;margin-left:.3rem}
.help{color:#4a4a4a;font-size:.9rem}
.lots{display:grid;gap:1rem}
.lot{background:#fff;border:1px solid #ccc;border-radius:6px;padding:.75rem 1rem}
.lot h3{margin:.1rem 0 .4rem;font-size:1.05rem}
.level{font-weight:bold}
.level-vacant{color:#11643a}.level-crowded{color:#8a5300}.level-full{color:#b00020}.level-unknown{color:#4a4a4a}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin-top:.4rem}
th,td{border:1px solid #ddd;padding:.2rem .4rem;text-align:left}
caption{text-align:left;font-weight:bold;padding:.2rem 0}
tr.silent td{background:#fde8ea;color:#8b0016}
tr.silent td.state{font-weight:bold}
tr.silent td.state::before{content:"● "}
.drift{color:#8b0016;font-weight:bold}
.error{color:#8b0016}
.result{min-height:1.5em}
.chart{background:#fff;border:1px solid #ccc;border-radius:6px;padding:.5rem;overflow-x:auto}
.legend span{margin-right:1rem}
.swatch{display:inline-block;width:1.5rem;height:.25rem;vertical-align:middle;margin-right:.3rem}
.conn{font-size:.9rem}
.swatch.tall{width:.8rem;height:.8rem}
#nudge-body h3{font-size:1rem;margin:1rem 0 .3rem}
details summary{cursor:pointer;margin:.6rem 0}
#nudge-tables{overflow-x:auto}`;
