import { describe, expect, it } from 'vitest';
import { externalLinkToOpen, isAppUrl, navigationDecision, permissionDecision, windowOpenDecision } from '../../src-main/shell/navigation-policy.ts';

const HOSTILE = [
  'storycore://app.evil/',
  'storycore://app@evil/',
  'storycore://user:pw@app/',
  'storycore://evil/app/',
  'storycore://app:8080/index.html',
  'storycore://%61pp/index.html',
  'storycore:app/index.html',
  'storycore:///app/index.html',
  'storycore://app\\evil/',
  'storycore-media://render/job/a.mp4',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'data:text/html,<script>alert(1)</script>',
  'https://x',
  'http://app/',
  'devtools://devtools/bundled/inspector.html',
  'about:blank',
  '',
  'not a url',
];

describe('isAppUrl', () => {
  it('accepts pages of storycore://app', () => {
    expect(isAppUrl('storycore://app/index.html')).toBe(true);
    expect(isAppUrl('storycore://app/')).toBe(true);
    expect(isAppUrl('storycore://app/index.html#/jobs?x=1')).toBe(true);
  });

  it('compares scheme and host case-insensitively, as Chromium canonicalizes a standard scheme', () => {
    expect(isAppUrl('STORYCORE://APP/index.html')).toBe(true);
    expect(isAppUrl('StoryCore://App/')).toBe(true);
  });

  it.each(HOSTILE)('refuses %j', (url) => {
    expect(isAppUrl(url)).toBe(false);
  });
});

describe('navigationDecision', () => {
  it('allows reloading the studio document, with any hash or query', () => {
    expect(navigationDecision('storycore://app/index.html')).toBe('allow');
    expect(navigationDecision('storycore://app/')).toBe('allow');
    expect(navigationDecision('storycore://app/index.html#/circuits')).toBe('allow');
  });

  it('denies other app paths: they are files, not pages', () => {
    expect(navigationDecision('storycore://app/assets/index.js')).toBe('deny');
    expect(navigationDecision('storycore://app/other.html')).toBe('deny');
  });

  it.each(HOSTILE)('denies %j', (url) => {
    expect(navigationDecision(url)).toBe('deny');
  });
});

describe('windowOpenDecision', () => {
  it.each(['storycore://app/index.html', 'https://example.test/', 'javascript:alert(1)', 'about:blank'])('denies %j', (url) => {
    expect(windowOpenDecision(url)).toEqual({ action: 'deny' });
  });
});

describe('externalLinkToOpen', () => {
  it('hands https links with a host to the OS browser, canonicalized', () => {
    expect(externalLinkToOpen('https://x')).toBe('https://x/');
    expect(externalLinkToOpen('https://docs.example.test/guide?a=1#top')).toBe('https://docs.example.test/guide?a=1#top');
    expect(externalLinkToOpen('HTTPS://Example.TEST/')).toBe('https://example.test/');
  });

  it.each([
    'http://example.test/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,hi',
    'storycore://app/index.html',
    'storycore-media://render/j/a.mp4',
    'ms-settings:display',
    'https://user:pw@example.test/',
    'https://app@evil.test/',
    'https:',
    'https:///',
    '',
  ])('refuses %j', (url) => {
    expect(externalLinkToOpen(url)).toBeNull();
  });
});

describe('permissionDecision', () => {
  it('grants only sanitized clipboard writes, and only to app pages', () => {
    expect(permissionDecision('clipboard-sanitized-write', 'storycore://app/index.html')).toBe(true);
    // Permission checks pass the origin, without a path.
    expect(permissionDecision('clipboard-sanitized-write', 'storycore://app')).toBe(true);
    expect(permissionDecision('clipboard-sanitized-write', 'https://evil.test/')).toBe(false);
    expect(permissionDecision('clipboard-sanitized-write', 'storycore://app@evil/')).toBe(false);
  });

  it.each(['clipboard-read', 'media', 'notifications', 'geolocation', 'fullscreen', 'openExternal', 'pointerLock', 'hid', 'serial', 'usb', 'unknown'])(
    'denies %j even to app pages',
    (permission) => {
      expect(permissionDecision(permission, 'storycore://app/index.html')).toBe(false);
    },
  );
});
