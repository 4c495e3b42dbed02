import { describe, expect, it } from 'vitest';
import { isTrustedSender } from '../../src-main/shell/sender-policy.ts';

describe('isTrustedSender', () => {
  it('trusts the main frame of an app page', () => {
    expect(isTrustedSender({ url: 'storycore://app/index.html', isMainFrame: true })).toBe(true);
    expect(isTrustedSender({ url: 'storycore://app/index.html#/jobs', isMainFrame: true })).toBe(true);
  });

  it('refuses a destroyed frame', () => {
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
  });

  it('refuses a subframe, even one on the app origin', () => {
    expect(isTrustedSender({ url: 'storycore://app/index.html', isMainFrame: false })).toBe(false);
  });

  it.each([
    'https://evil.test/',
    'storycore://app.evil/index.html',
    'storycore://app@evil/index.html',
    'devtools://devtools/bundled/devtools_app.html',
    'file:///tmp/index.html',
    'about:blank',
    '',
  ])('refuses the main frame of %j', (url) => {
    expect(isTrustedSender({ url, isMainFrame: true })).toBe(false);
  });
});
