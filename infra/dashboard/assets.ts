/**
 * The dashboard's static files (two pages, their scripts and style sheets: no build step, no CDN). They
 * carry no data, so the local server and the CLI's proxy serve them without the token; the API calls
 * the page makes carry it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FILES: Record<string, { file: string; type: string }> = {
  '/ops/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ops/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ops/ui/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/ops/ui/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  // What both pages import: their labels (vi, en) and the helpers they share.
  '/ops/ui/labels.js': { file: 'labels.js', type: 'text/javascript; charset=utf-8' },
  '/ops/ui/page.js': { file: 'page.js', type: 'text/javascript; charset=utf-8' },
  // The agreement report page (issue 15).
  '/ops/report.html': { file: 'report.html', type: 'text/html; charset=utf-8' },
  '/ops/ui/report.js': { file: 'report.js', type: 'text/javascript; charset=utf-8' },
  '/ops/ui/report.css': { file: 'report.css', type: 'text/css; charset=utf-8' },
};

/** Scripts and styles from this origin only, no framing, no inline code: data can only ever be text. */
const DASHBOARD_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/**
 * Where the files are: beside this module, or, inside the CLI's bundle (dist/loa.mjs, built by
 * scripts/build-cli.mjs), at the path the bundler defines relative to the bundle.
 */
declare const __LOA_DASHBOARD_DIR__: string | undefined;
const DIR = new URL(
  typeof __LOA_DASHBOARD_DIR__ === 'string' ? __LOA_DASHBOARD_DIR__ : './',
  import.meta.url,
);

const cache = new Map<string, Buffer>();

/** The dashboard file for a GET of `pathname`, or undefined when it is not one. */
export function dashboardAsset(
  pathname: string,
): { headers: Record<string, string>; body: Buffer } | undefined {
  const entry = FILES[pathname];
  if (!entry) return undefined;
  let body = cache.get(entry.file);
  if (!body) {
    body = readFileSync(fileURLToPath(new URL(entry.file, DIR)));
    cache.set(entry.file, body);
  }
  return { headers: { 'content-type': entry.type, ...DASHBOARD_HEADERS }, body };
}
