import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, devServerContentSecurityPolicy, inlineScripts } from '../../src-main/shell/csp.ts';

/** The policy as directive name → sources, so each test reads one directive. */
function directives(policy: string): Map<string, string[]> {
  return new Map(policy.split('; ').map((part) => {
    const [name = '', ...sources] = part.split(' ');
    return [name, sources];
  }));
}

describe('contentSecurityPolicy', () => {
  it('is the strict policy: self only, media from the media scheme, nothing embeddable', () => {
    const csp = directives(contentSecurityPolicy());
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:', 'storycore-media:']);
    expect(csp.get('media-src')).toEqual(["'self'", 'storycore-media:']);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('adds the given connect and media sources', () => {
    const csp = directives(contentSecurityPolicy({ connectSources: ['ws://127.0.0.1:7777'], mediaSources: ['blob:'] }));
    expect(csp.get('connect-src')).toEqual(["'self'", 'ws://127.0.0.1:7777']);
    expect(csp.get('media-src')).toEqual(["'self'", 'storycore-media:', 'blob:']);
    expect(csp.get('img-src')).toEqual(["'self'", 'data:', 'storycore-media:', 'blob:']);
    expect(csp.get('script-src')).toEqual(["'self'"]);
  });

  it('never allows unsafe-inline or unsafe-eval, whatever the options', () => {
    const policies = [contentSecurityPolicy(), contentSecurityPolicy({ connectSources: ['wss://example.test'], mediaSources: ['blob:'] })];
    for (const policy of policies) {
      expect(policy).not.toMatch(/unsafe-/);
      expect(policy).not.toContain('*');
    }
  });

  it.each([
    ["'unsafe-inline'"],
    ["'unsafe-eval'"],
    ["'nonce-abc'"],
    ['*'],
    [''],
    ['https://ok.test; script-src *'],
    ['https://ok.test, script-src *'],
    ['https://ok.test unsafe'],
  ])('refuses the source %j instead of injecting it', (source) => {
    expect(() => contentSecurityPolicy({ connectSources: [source] })).toThrow(TypeError);
    expect(() => contentSecurityPolicy({ mediaSources: [source] })).toThrow(TypeError);
  });
});

describe('devServerContentSecurityPolicy (npm run dev only)', () => {
  const page = '<head><script type="module">import "/@react-refresh";</script><script type="module" src="/@vite/client"></script></head><body><script>\n</script><SCRIPT SRC="/x.js"></SCRIPT></body>';

  it('finds the inline scripts, not those loaded from a file', () => {
    expect(inlineScripts(page)).toEqual(['import "/@react-refresh";', '\n']);
  });

  it("allows inline scripts by their hash only, never by 'unsafe-inline'", () => {
    const csp = directives(devServerContentSecurityPolicy({ inlineScripts: [''], hmrSources: [] }));
    // SHA-256 of the empty string, the standard test vector.
    expect(csp.get('script-src')).toEqual(["'self'", "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"]);
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
  });

  it('lets hot reload reach the dev server, keeps the rest of the app policy, and leaves out what a meta tag cannot carry', () => {
    const csp = directives(devServerContentSecurityPolicy({ inlineScripts: [], hmrSources: ['ws://localhost:5173'] }));
    expect(csp.get('connect-src')).toEqual(["'self'", 'ws://localhost:5173']);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('media-src')).toEqual(["'self'", 'storycore-media:']);
    expect(csp.has('frame-ancestors')).toBe(false);
    expect(() => devServerContentSecurityPolicy({ inlineScripts: [], hmrSources: ["'unsafe-eval'"] })).toThrow(TypeError);
  });
});
