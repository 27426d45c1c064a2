import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppEnv } from './types.js';
import { isReservedPath, uiRoutes } from './ui.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'keel-ui-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const dist = path.join(tmp, 'dist');
mkdirSync(path.join(dist, 'assets'), { recursive: true });
writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>Keel</title><div id="root"></div>');
writeFileSync(path.join(dist, 'assets', 'index-Ab12_cd3.js'), 'console.info(1)');
writeFileSync(path.join(dist, 'assets', 'style-XyZ98765.css'), 'body{}');
writeFileSync(path.join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
writeFileSync(path.join(tmp, 'secret.txt'), 'outside the dist dir');

/** The UI mounted the way src/app.ts does: after the API routes, with the app's own 404. */
function appWith(distDir: string) {
  const app = new Hono<AppEnv>();
  const api = new Hono<AppEnv>();
  api.use('*', async (_c, next) => next()); // like the admin auth middleware
  api.get('/keys', (c) => c.json({ object: 'list', data: [] }));
  app.route('/api', api);
  app.get('/v1/models', (c) => c.json({ object: 'list' }));
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.route('/', uiRoutes({ distDir }));
  app.notFound((c) => c.json({ error: { code: 'not_found' } }, 404));
  return app;
}

describe('uiRoutes', () => {
  const app = appWith(dist);

  it('serves index.html at / and for client-side routes, revalidated every time', async () => {
    for (const p of ['/', '/spend', '/use-cases/support-assistant', '/keys?x=1']) {
      const res = await app.request(p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toContain('<div id="root">');
    }
  });

  it('serves hashed assets with their content type and an immutable cache', async () => {
    const js = await app.request('/assets/index-Ab12_cd3.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.info(1)');
    const css = await app.request('/assets/style-XyZ98765.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const svg = await app.request('/favicon.svg');
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(svg.headers.get('cache-control')).toBe('public, max-age=300');
  });

  it('answers 304 to a matching If-None-Match and HEAD without a body', async () => {
    const first = await app.request('/assets/index-Ab12_cd3.js');
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await app.request('/assets/index-Ab12_cd3.js', { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    const head = await app.request('/assets/index-Ab12_cd3.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await head.text()).toBe('');
  });

  it('never shadows the API, health or metrics routes, even unknown ones', async () => {
    expect(await (await app.request('/api/keys')).json()).toEqual({ object: 'list', data: [] });
    for (const p of ['/api/nope', '/api', '/v1/nope', '/v1', '/metrics', '/readyz']) {
      const res = await app.request(p);
      expect(res.status, p).toBe(404);
      expect(res.headers.get('content-type'), p).toContain('application/json');
    }
    expect((await app.request('/healthz')).status).toBe(200);
    expect(isReservedPath('/apix')).toBe(false);
    expect(isReservedPath('/api/x')).toBe(true);
  });

  it('404s a missing asset instead of sending index.html as script', async () => {
    const res = await app.request('/assets/gone-12345678.js');
    expect(res.status).toBe(404);
  });

  it('never serves a file outside the build directory', async () => {
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
    ]) {
      const res = await app.request(p);
      expect(await res.text(), p).not.toContain('outside the dist dir');
    }
  });

  it('refuses other methods', async () => {
    expect((await app.request('/', { method: 'POST' })).status).toBe(404);
  });

  it('explains how to build the UI when the build is missing', async () => {
    const res = await appWith(path.join(tmp, 'nothing-here')).request('/overview');
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toContain('npm run build');
  });
});
