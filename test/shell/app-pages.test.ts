/** Under npm run dev the window loads electron-vite's dev server, and that origin is then the app's. */
import { describe, expect, it } from 'vitest';
import { BUILT_PAGES, choosePages } from '../../src-main/shell/app-pages.ts';
import { isAppUrl, navigationDecision, permissionDecision } from '../../src-main/shell/navigation-policy.ts';
import { isTrustedSender } from '../../src-main/shell/sender-policy.ts';

const dev = choosePages('http://localhost:5173', false).pages;

describe('choosePages', () => {
  it('uses the built renderer unless the dev server is named', () => {
    expect(choosePages(undefined, false)).toEqual({ pages: BUILT_PAGES });
    expect(choosePages('', false)).toEqual({ pages: BUILT_PAGES });
    expect(BUILT_PAGES).toEqual({ origin: 'storycore://app', entryUrl: 'storycore://app/index.html' });
  });

  it("loads electron-vite's dev server when it is named and the app is not packaged", () => {
    expect(dev).toEqual({ origin: 'http://localhost:5173', entryUrl: 'http://localhost:5173/' });
    expect(choosePages('http://127.0.0.1:5174', false).pages.origin).toBe('http://127.0.0.1:5174');
    expect(choosePages('http://[::1]:5173/', false).pages.origin).toBe('http://[::1]:5173');
  });

  it.each([
    ['http://localhost:5173', true, 'packaged'],
    ['http://192.168.1.20:5173', false, 'this machine'],
    ['https://evil.test/', false, 'this machine'],
    ['http://localhost.evil.test:5173', false, 'this machine'],
    ['http://user:pw@localhost:5173', false, 'user name'],
    ['file:///index.html', false, 'http or https'],
    ['javascript:alert(1)', false, 'http or https'],
    ['not a url', false, 'not a URL'],
  ])('ignores %j (packaged: %s) and says why', (url, packaged, why) => {
    const choice = choosePages(url, packaged);
    expect(choice.pages).toBe(BUILT_PAGES);
    expect(choice.ignored).toContain(why);
  });
});

describe('the policies for the dev server', () => {
  it("take the dev server's origin as the app, and the app scheme no longer", () => {
    expect(isAppUrl('http://localhost:5173/', dev)).toBe(true);
    expect(isAppUrl('http://LOCALHOST:5173/src/main.tsx', dev)).toBe(true);
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isAppUrl('https://localhost:5173/', dev)).toBe(false);
    expect(isAppUrl('http://user@localhost:5173/', dev)).toBe(false);
    expect(isAppUrl('storycore://app/index.html', dev)).toBe(false);
  });

  it('allow reloading the dev document only, grant the one permission there, trust its main frame', () => {
    expect(navigationDecision('http://localhost:5173/', dev)).toBe('allow');
    expect(navigationDecision('http://localhost:5173/index.html#/queue', dev)).toBe('allow');
    expect(navigationDecision('http://localhost:5173/@vite/client', dev)).toBe('deny');
    expect(navigationDecision('https://example.com/', dev)).toBe('deny');
    expect(permissionDecision('clipboard-sanitized-write', 'http://localhost:5173', dev)).toBe(true);
    expect(permissionDecision('media', 'http://localhost:5173', dev)).toBe(false);
    expect(isTrustedSender({ url: 'http://localhost:5173/', isMainFrame: true }, dev)).toBe(true);
    expect(isTrustedSender({ url: 'http://localhost:5173/', isMainFrame: false }, dev)).toBe(false);
    expect(isTrustedSender({ url: 'http://localhost:5173/', isMainFrame: true })).toBe(false);
  });
});
