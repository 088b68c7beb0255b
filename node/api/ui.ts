import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join, relative, sep } from 'node:path';
import type { Context, Hono } from 'hono';
import { packageRoot } from '../paths.js';
import { ApiError, ApiErrorCode } from './errors.js';

/**
 * The dashboard: static files from the package's `ui/` folder (plain browser ES modules, no build
 * step) and the chart and diagram libraries from the node's own dependencies (uPlot, Mermaid), so
 * nothing is fetched from the internet at run time. Only files that exist when the node starts are
 * served: the table is built once, so no request path ever reaches the file system.
 *
 * The page's Content-Security-Policy allows scripts from this origin only; styles also inline,
 * because Mermaid writes a <style> into each diagram it draws. Every value from the node goes into
 * the page as text (the scripts use textContent), never as HTML.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** the vendored libraries, by the name the page asks for */
const VENDOR: Record<string, string> = {
  'uPlot.iife.min.js': 'uplot/dist/uPlot.iife.min.js',
  'uPlot.min.css': 'uplot/dist/uPlot.min.css',
  'mermaid.min.js': 'mermaid/dist/mermaid.min.js',
};

interface Asset {
  path: string;
  type: string;
}

function uiAssets(): Map<string, Asset> {
  const root = join(packageRoot(), 'ui');
  const out = new Map<string, Asset>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (TYPES[extname(name)]) {
        const url = `/ui/${relative(root, path).split(sep).join('/')}`;
        out.set(url, { path, type: TYPES[extname(name)] });
      }
    }
  };
  walk(root);
  const require = createRequire(import.meta.url);
  for (const [name, spec] of Object.entries(VENDOR))
    out.set(`/ui/vendor/${name}`, { path: require.resolve(spec), type: TYPES[extname(name)] });
  return out;
}

/** GET / (the dashboard's page), GET /ui/* (its files), GET /favicon.ico (the icon, not a rejection). */
export function dashboardRoutes(app: Hono): void {
  const assets = uiAssets();
  const cache = new Map<string, Buffer>();
  const send = (c: Context, url: string) => {
    const asset = assets.get(url);
    if (!asset) return undefined;
    let body = cache.get(url);
    if (!body) {
      body = readFileSync(asset.path);
      cache.set(url, body);
    }
    c.header('Content-Type', asset.type);
    // the page's files change with the node's version, which a restart brings
    c.header('Cache-Control', url.startsWith('/ui/vendor/') ? 'public, max-age=86400' : 'no-cache');
    return c.body(new Uint8Array(body), 200);
  };
  app.get('/', (c) => {
    c.header('Content-Security-Policy', DASHBOARD_CSP);
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    const sent = send(c, '/ui/index.html');
    if (!sent) throw missing('index.html');
    return sent;
  });
  const missing = (path: string) =>
    new ApiError(ApiErrorCode.NOT_FOUND, `no dashboard file ${path.slice(0, 200)}; the dashboard is at /`);
  app.get('/favicon.ico', (c) => {
    const sent = send(c, '/ui/favicon.svg');
    if (!sent) throw missing('favicon.svg');
    return sent;
  });
  app.get('/ui/*', (c) => {
    const sent = send(c, c.req.path);
    if (!sent) throw missing(c.req.path);
    return sent;
  });
}
