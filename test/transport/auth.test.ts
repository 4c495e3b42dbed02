import { describe, expect, it } from 'vitest';
import { assertSafeBinding, generateToken, startServer } from '../../src-main/transport/http-server.ts';
import { readCookie, tokensEqual } from '../../src-main/transport/auth.ts';
import { isLoopbackHost } from '../../src-main/transport/hosts.ts';
import { FakeStudio } from './fake-studio.ts';
import { bearer, raw, serve, upgradeStatus } from './helpers.ts';

describe('tokens and binding', () => {
  it('generates url-safe tokens of 256 bits, never the same twice', () => {
    const a = generateToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(generateToken()).not.toBe(a);
  });

  it('refuses to bind beyond loopback without an explicit token', () => {
    for (const host of ['0.0.0.0', '::', '', '192.168.1.20', 'example.com', '127.1']) {
      expect(() => assertSafeBinding(host, false), host).toThrow(/without an explicit token/);
      expect(() => assertSafeBinding(host, true)).not.toThrow();
    }
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(true);
      expect(() => assertSafeBinding(host, false)).not.toThrow();
    }
  });

  it('compares tokens whatever their lengths', () => {
    const t = generateToken();
    expect(tokensEqual(t, t)).toBe(true);
    expect(tokensEqual(`${t}x`, t)).toBe(false);
    expect(tokensEqual('', t)).toBe(false);
  });

  it('refuses a short token rather than serving behind it', async () => {
    await expect(startServer({ studio: new FakeStudio(), port: 0, token: 'short', rendererDir: null })).rejects.toThrow(/at least 16 characters/);
  });
});

describe('HTTP authentication', () => {
  it('answers 401, without detail, to a missing or wrong token in every form', async () => {
    const { port, token } = await serve();
    const wrong = generateToken();
    const attempts: Record<string, string>[] = [{}, bearer(wrong), { Authorization: `Basic ${token}` }, { Cookie: `storycore_token=${wrong}` }];
    for (const headers of attempts) {
      const res = await raw(port, '/api/health', { headers });
      expect(res.status).toBe(401);
      expect(res.body).toBe('unauthorized\n');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    }
    const query = await raw(port, `/api/health?token=${wrong}`);
    expect(query.status).toBe(401);
    expect(query.headers['set-cookie']).toBeUndefined();
    // A wrong header is not rescued by a right cookie.
    expect((await raw(port, '/api/health', { headers: { ...bearer(wrong), Cookie: `storycore_token=${token}` } })).status).toBe(401);
    expect((await raw(port, '/', {})).status).toBe(401);
    expect((await raw(port, '/metrics', {})).status).toBe(401);
  });

  it('trades ?token= for an HttpOnly, SameSite=Strict cookie and a redirect to the same URL without it', async () => {
    const { port, token } = await serve();
    const res = await raw(port, `/api/health?view=queue&token=${token}`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/api/health?view=queue');
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toBe(`storycore_token=${token}; HttpOnly; SameSite=Strict; Path=/`);
    const followed = await raw(port, res.headers.location as string, { headers: { Cookie: cookie.split(';')[0] as string } });
    expect(followed.status).toBe(200);
    expect(readCookie(`a=1; ${cookie.split(';')[0]}`, 'storycore_token')).toBe(token);
  });

  it('keeps the redirect on this server even for a path that looks like another host', async () => {
    const { port, token } = await serve();
    const res = await raw(port, `//evil.example/x?token=${token}`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/evil.example/x');
  });
});

describe('WebSocket authentication', () => {
  it('refuses the upgrade without the right token, before any socket exists', async () => {
    const { port, token, studio } = await serve();
    expect(await upgradeStatus(port)).toBe(401);
    expect(await upgradeStatus(port, bearer(generateToken()))).toBe(401);
    expect(await upgradeStatus(port, bearer(token), '/elsewhere')).toBe(404);
    expect(studio.subscribers.size).toBe(0);
    expect(await upgradeStatus(port, bearer(token))).toBe(101);
    expect(await upgradeStatus(port, { Cookie: `storycore_token=${token}` })).toBe(101);
    expect(await upgradeStatus(port, {}, `/ws?token=${token}`)).toBe(101);
  });

  it('fails to start, and says why, when the port is taken', async () => {
    const { port } = await serve();
    await expect(startServer({ studio: new FakeStudio(), port, token: generateToken(), rendererDir: null })).rejects.toThrow(/EADDRINUSE/);
  });

  it('accepts our own origins and refuses others with 403', async () => {
    const { port, token } = await serve();
    const cookie = { Cookie: `storycore_token=${token}` };
    expect(await upgradeStatus(port, { ...cookie, Origin: `http://127.0.0.1:${port}` })).toBe(101);
    expect(await upgradeStatus(port, { ...cookie, Origin: `http://localhost:${port}` })).toBe(101);
    expect(await upgradeStatus(port, { ...cookie, Origin: 'http://evil.example' })).toBe(403);
    expect(await upgradeStatus(port, { ...cookie, Origin: `http://127.0.0.1:${port + 1}` })).toBe(403);
    expect(await upgradeStatus(port, { ...cookie, Origin: 'null' })).toBe(403);
  });

  it('admits extra origins the operator names', async () => {
    const { port, token } = await serve({ allowedOrigins: ['http://studio.lan:7777'] });
    expect(await upgradeStatus(port, { ...bearer(token), Origin: 'http://studio.lan:7777' })).toBe(101);
  });
});
