import { createHash } from 'node:crypto';
import type { Hono } from 'hono';
import { LANGUAGES } from '../generation/languages.js';
import { DASHBOARD_SCRIPT } from './dashboard-script.js';

/**
 * GET /: the dashboard, one self-contained HTML page (no external assets, no build step): recent
 * generations with per-language quality, a form that starts a generation with the token typed into
 * the page, live progress over the SSE route, insights. The Content-Security-Policy allows exactly
 * the page's own script and style (by hash) and requests to this origin. Under the header, one line
 * says what the node shares with the network (its `network.share`).
 */
const STYLE = `
:root { font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
body { margin: 0 auto; max-width: 1200px; padding: 1rem 1.5rem; }
header { display: flex; justify-content: space-between; align-items: baseline; flex-wrap: wrap; gap: .5rem; }
h1 { margin: 0; font-size: 1.4rem; }
section { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: .8rem 1rem; margin: 1rem 0; }
h2 { font-size: 1.05rem; margin: 0 0 .6rem; } h2.spaced { margin-top: .8rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eceff3; vertical-align: top; }
tr.clickable { cursor: pointer; } tr.clickable:hover { background: #f1f5ff; }
.mono { font-family: ui-monospace, monospace; font-size: .85rem; }
.muted { color: #6b7280; } .error { color: #b42318; } .good { color: #067647; }
.chip { display: inline-block; padding: 0 .4rem; margin: 0 .3rem .2rem 0; border-radius: 4px; font-size: .8rem; border: 1px solid; }
.chip.good { border-color: #067647; } .chip.fair { color: #b54708; border-color: #b54708; } .chip.poor { color: #b42318; border-color: #b42318; }
.status { font-weight: 600; } .status.succeeded { color: #067647; } .status.failed, .status.cancelled { color: #b42318; } .status.running, .status.queued { color: #175cd3; }
form { display: grid; grid-template-columns: 8rem 1fr; gap: .4rem .8rem; align-items: center; }
input[type=text], input[type=password] { padding: .3rem; font: inherit; width: 100%; box-sizing: border-box; }
#progress { max-height: 14rem; overflow: auto; background: #0f172a; color: #e2e8f0; font-family: ui-monospace, monospace; font-size: .8rem; padding: .5rem; border-radius: 6px; }
#progress .error { color: #fda29b; } #progress .good { color: #75e0a7; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; } @media (max-width: 800px) { .grid { grid-template-columns: 1fr; } }
`;

const languageBoxes = LANGUAGES.map(
  (l) =>
    `<label><input type="checkbox" name="lang" value="${l}"${l === 'typescript' ? ' checked' : ''}> ${l}</label>`,
).join(' ');

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WeaverGen node</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>WeaverGen node</h1><span id="health" class="muted">…</span><span id="health-error" class="error"></span></header>
<p id="sharing" class="muted"></p>
<section>
  <h2>Start a generation</h2>
  <form id="generate">
    <label for="token">API token</label><input id="token" type="password" autocomplete="off" placeholder="contents of <home>/token (needed to start generations)">
    <label for="registry">Registry folder</label><input id="registry" type="text" required placeholder="absolute path on the node's machine, e.g. /path/to/model">
    <span>Languages</span><span>${languageBoxes}</span>
    <label for="out">Output folder</label><input id="out" type="text" placeholder="optional absolute path; files are written there">
    <span></span><span><button type="submit">Generate</button> <span id="generate-error" class="error"></span></span>
  </form>
  <h2 class="spaced">Live progress</h2>
  <div id="progress"></div>
</section>
<section>
  <h2>Recent generations</h2><span id="generations-error" class="error"></span>
  <table><thead><tr><th>id</th><th>status</th><th>created</th><th>duration</th><th>quality per language</th></tr></thead><tbody id="generations"></tbody></table>
  <div id="detail"></div>
</section>
<section>
  <h2>Insights</h2><span id="insights-summary" class="muted"></span> <span id="insights-error" class="error"></span>
  <div class="grid">
    <div><table><thead><tr><th>context</th><th>n</th><th>mean q</th><th>best arm</th></tr></thead><tbody id="contexts"></tbody></table></div>
    <div><h3>Rules</h3><ol id="rules"></ol></div>
  </div>
</section>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;

export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(DASHBOARD_SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function dashboardRoutes(app: Hono): void {
  app.get('/', (c) => {
    c.header('Content-Security-Policy', DASHBOARD_CSP);
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    return c.html(DASHBOARD_HTML);
  });
}
