import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import type { AppEnv } from './types.js';

interface UiOptions {
  /** The Vite build output (web/dist): index.html and assets/. */
  distDir: string;
}

/** web/dist next to the package, from src/http (tsx, tests) and dist/http (compiled) alike. */
export function defaultUiDir(): string {
  return fileURLToPath(new URL('../../web/dist', import.meta.url));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Paths other parts of Keel own: the UI never answers for them, not even with index.html. */
const RESERVED_PREFIXES = ['/v1/', '/api/', '/auth/'];
const RESERVED_EXACT = new Set(['/v1', '/api', '/auth', '/healthz', '/readyz', '/metrics']);

const HASHED_ASSET = /^\/assets\/[^/]+-[A-Za-z0-9_-]{6,}\.[a-z0-9]+$/;

/**
 * The app is self-contained: scripts and styles come from this origin only, it calls only this
 * origin's /api, and no other site may frame it (the sign-in form takes an admin token).
 */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // Charts set style attributes; no inline <style> or script is ever served.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function isReservedPath(p: string): boolean {
  return RESERVED_EXACT.has(p) || RESERVED_PREFIXES.some((prefix) => p.startsWith(prefix));
}

interface FileHit {
  file: string;
  size: number;
  mtimeMs: number;
}

async function fileAt(file: string): Promise<FileHit | null> {
  try {
    const s = await stat(file);
    return s.isFile() ? { file, size: s.size, mtimeMs: s.mtimeMs } : null;
  } catch {
    return null;
  }
}

/** The file under `root` a URL path names, or null when it would leave `root` or is malformed. */
function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const file = path.resolve(root, `.${decoded}`);
  return file === root || file.startsWith(root + path.sep) ? file : null;
}

const MISSING_BUILD = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Keel — Command Room not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The Command Room has not been built</h1>
<p>Keel is running: the gateway (<code>/v1</code>) and the admin API (<code>/api</code>) work, but the web
dashboard's files are missing.</p>
<p>Build them with <code>npm run build</code> (or <code>npm install</code>, which runs it), then reload this page.</p>
</body></html>
`;

/**
 * The Command Room: the single-page app built by Vite into `distDir`, served at `/`. Hashed assets
 * are cached for a year (their name changes with their content), index.html is revalidated every
 * time, and any other path without a file extension gets index.html so client-side routes survive
 * a reload. Never answers for /v1, /api, /healthz, /readyz or /metrics: those fall through to the
 * app's own routes and 404.
 */
export function uiRoutes(opts: UiOptions): Hono<AppEnv> {
  const root = path.resolve(opts.distDir);
  const indexFile = path.join(root, 'index.html');
  const app = new Hono<AppEnv>();

  app.use('*', async (c, next) => {
    // Hono answers HEAD by running the GET route and dropping the body.
    const urlPath = c.req.path;
    const method = c.req.method;
    if ((method !== 'GET' && method !== 'HEAD') || isReservedPath(urlPath)) return next();

    const target = resolveInside(root, urlPath);
    if (target === null) return next();
    const isAssetPath = path.extname(urlPath) !== '';
    let hit = urlPath === '/' ? null : await fileAt(target);
    const cache = !hit
      ? 'no-cache'
      : HASHED_ASSET.test(urlPath)
        ? 'public, max-age=31536000, immutable'
        : hit.file === indexFile
          ? 'no-cache'
          : 'public, max-age=300';
    if (!hit) {
      // A missing file with an extension is a 404, never index.html served as JavaScript.
      if (isAssetPath) return next();
      hit = await fileAt(indexFile);
      if (!hit)
        return c.body(MISSING_BUILD, 503, {
          'content-type': TYPES['.html']!,
          'cache-control': 'no-store',
          ...SECURITY_HEADERS,
        });
    }

    const etag = `W/"${hit.size.toString(16)}-${Math.floor(hit.mtimeMs).toString(16)}"`;
    const headers: Record<string, string> = {
      'content-type': TYPES[path.extname(hit.file)] ?? 'application/octet-stream',
      'cache-control': cache,
      etag,
      ...SECURITY_HEADERS,
    };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    return c.body(await readFile(hit.file), 200, headers);
  });

  return app;
}
