import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src-preload/contract.ts';
import { resolveInside } from '../../src-main/transport/static-files.ts';
import { bearer, makeRendererDir, raw, serve } from './helpers.ts';

const json = { 'Content-Type': 'application/json' };

describe('health', () => {
  it('answers with status, uptime and protocol, uncached, with the security headers', async () => {
    const { port, token } = await serve();
    const res = await raw(port, '/api/health', { headers: bearer(token) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok', uptimeSeconds: expect.any(Number), protocol: PROTOCOL_VERSION });
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect((await raw(port, '/api/health', { method: 'DELETE', headers: bearer(token) })).status).toBe(405);
    expect((await raw(port, '/api/nothing', { headers: bearer(token) })).status).toBe(404);
  });
});

describe('static renderer', () => {
  it('serves index.html at / with the CSP, and assets with their types', async () => {
    const { dir } = makeRendererDir();
    const { port, token } = await serve({ rendererDir: dir });
    const index = await raw(port, '/', { headers: bearer(token) });
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>studio</title>');
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toBe(
      `default-src 'self'; connect-src 'self' ws://127.0.0.1:${port}; script-src 'self'; style-src 'self'; img-src 'self' data:; ` +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect((await raw(port, '/assets/app.js', { headers: bearer(token) })).headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await raw(port, '/assets/app.css', { headers: bearer(token) })).headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await raw(port, '/index.html', { method: 'HEAD', headers: bearer(token) });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await raw(port, '/', { method: 'POST', headers: bearer(token) })).status).toBe(405);
  });

  it('lets content-hashed bundles be cached for good, and revalidates everything else', async () => {
    const { dir } = makeRendererDir();
    writeFileSync(join(dir, 'assets', 'index-ls487yfB.js'), 'export {};');
    const { port, token } = await serve({ rendererDir: dir });
    expect((await raw(port, '/assets/index-ls487yfB.js', { headers: bearer(token) })).headers['cache-control']).toBe('private, max-age=31536000, immutable');
    expect((await raw(port, '/assets/app.js', { headers: bearer(token) })).headers['cache-control']).toBe('no-cache');
    expect((await raw(port, '/', { headers: bearer(token) })).headers['cache-control']).toBe('no-cache');
  });

  it('never leaves the renderer folder and never lists one', async () => {
    const { dir } = makeRendererDir();
    const { port, token } = await serve({ rendererDir: dir });
    for (const path of [
      '/../package.json',
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/%2e%2e/package.json',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00index.html',
      '/%e0%a4%a',
      '/assets',
      '/assets/',
      '/missing.js',
    ]) {
      const res = await raw(port, path, { headers: bearer(token) });
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('outside the renderer');
    }
  });

  it('resolves URL paths inside the root, or to nothing', () => {
    const root = resolve('renderer-root');
    expect(resolveInside(root, '/')).toBe(join(root, 'index.html'));
    expect(resolveInside(root, '/assets/app%20x.js')).toBe(join(root, 'assets', 'app x.js'));
    for (const path of ['/..', '/../x', '/..%2fx', '/a/..%2f..%2fx', '/%2e%2e/x', '/%00', '/%e0%a4%a']) expect(resolveInside(root, path), path).toBeNull();
  });

  it('does not follow a symlink out of the renderer folder', async () => {
    const { dir } = makeRendererDir();
    symlinkSync(join(dir, '..', 'secret.txt'), join(dir, 'assets', 'leak.txt'));
    const { port, token } = await serve({ rendererDir: dir });
    expect((await raw(port, '/assets/leak.txt', { headers: bearer(token) })).status).toBe(404);
  });

  it('answers 503 with the fix when the renderer is not built', async () => {
    const { port, token } = await serve({ rendererDir: null });
    const res = await raw(port, '/', { headers: bearer(token) });
    expect(res.status).toBe(503);
    expect(res.body).toBe('renderer not built: run npm run build\n');
    const { dir } = makeRendererDir();
    rmSync(join(dir, 'index.html'));
    const other = await serve({ rendererDir: dir });
    expect((await raw(other.port, '/assets/app.js', { headers: bearer(other.token) })).status).toBe(503);
  });
});

describe('POST /api/command', () => {
  const post = (port: number, token: string, body: string, headers: Record<string, string> = json) =>
    raw(port, '/api/command', { method: 'POST', headers: { ...bearer(token), ...headers }, body });

  it('runs the command as the token name and maps reply codes to statuses', async () => {
    const { port, token, studio } = await serve({ tokenName: 'ops-laptop' });
    const ok = await post(port, token, JSON.stringify({ command: { type: 'pauseQueue' } }));
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ ok: true, result: { did: 'pauseQueue' } });
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(studio.commands).toEqual([{ command: { type: 'pauseQueue' }, actor: 'ops-laptop' }]);
    expect((await post(port, token, JSON.stringify({ command: { type: 'cancel', jobId: 'missing' } }))).status).toBe(404);
    expect((await post(port, token, JSON.stringify({ command: { type: 'resume' } }))).status).toBe(409);
    const bad = await post(port, token, JSON.stringify({ command: { type: 'explode' } }));
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toMatch(/unknown command type/);
    const broken = await post(port, token, JSON.stringify({ command: { type: 'retry', jobId: 'explode' } }));
    expect(broken.status).toBe(500);
    expect(JSON.parse(broken.body).error).toMatchObject({ code: 'internal' });
  });

  it('refuses malformed, mistyped, misshapen and oversized bodies without calling the studio', async () => {
    const { port, token, studio } = await serve({ maxPayloadBytes: 1024 });
    const malformed = await post(port, token, '{"command":');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringMatching(/^malformed JSON: /) } });
    expect((await post(port, token, JSON.stringify({ command: {} }), { 'Content-Type': 'text/plain' })).status).toBe(415);
    const shape = await post(port, token, JSON.stringify([1]));
    expect(shape.status).toBe(400);
    expect(JSON.parse(shape.body).error.field).toBe('command');
    expect(JSON.parse((await post(port, token, JSON.stringify({ command: {}, extra: 1 }))).body).error.field).toBe('extra');
    const big = await post(port, token, JSON.stringify({ command: { type: 'pauseQueue', pad: 'x'.repeat(2000) } }));
    expect(big.status).toBe(413);
    // Without a Content-Length the limit is enforced while reading.
    const chunked = await post(port, token, JSON.stringify({ command: { type: 'pauseQueue', pad: 'x'.repeat(2000) } }), { ...json, 'Transfer-Encoding': 'chunked' });
    expect(chunked.status).toBe(413);
    expect(studio.commands).toEqual([]);
    expect((await raw(port, '/api/command', { headers: bearer(token) })).status).toBe(405);
  });

  it('answers 426 to plain HTTP at /ws', async () => {
    const { port, token } = await serve();
    expect((await raw(port, '/ws', { headers: bearer(token) })).status).toBe(426);
  });
});
