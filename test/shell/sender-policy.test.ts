import { describe, expect, it } from 'vitest';
import { CommandSchema } from '../../src-preload/contract.ts';
import { isTrustedSender, parseIpcPayload } from '../../src-main/shell/sender-policy.ts';

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

describe('parseIpcPayload', () => {
  it('returns the parsed value of a valid payload', () => {
    expect(parseIpcPayload(CommandSchema, { type: 'cancel', jobId: 'job_1' })).toEqual({ ok: true, value: { type: 'cancel', jobId: 'job_1' } });
  });

  it('turns an invalid payload into the invalid reply the WebSocket also gives', () => {
    const parsed = parseIpcPayload(CommandSchema, { type: 'cancel', jobId: '../etc' });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.reply).toEqual({ ok: false, error: { code: 'invalid', message: expect.stringContaining('jobId'), field: 'jobId' } });
  });

  it('never throws, whatever arrives', () => {
    for (const payload of [undefined, null, 42, 'cancel', [], { type: 'nope' }, { __proto__: { type: 'cancel' } }]) {
      expect(parseIpcPayload(CommandSchema, payload).ok).toBe(false);
    }
  });
});
