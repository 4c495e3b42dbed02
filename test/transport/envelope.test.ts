/** Payloads checked against a contract schema turn into the one error reply every door gives. */
import { describe, expect, it } from 'vitest';
import { CommandSchema } from '../../src-preload/contract.ts';
import { parseIpcPayload } from '../../src-main/transport/envelope.ts';

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
