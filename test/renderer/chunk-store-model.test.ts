import { describe, expect, it } from 'vitest';
import { formatBytes, limitFromText, limitText, summariseStore } from '../../src-renderer/src/controls/chunk-store-model.ts';

const GiB = 1024 ** 3;
const view = (bytes: number, extra: Partial<Parameters<typeof summariseStore>[0]> = {}) => ({ bytes, entries: 12, limitBytes: 20 * GiB, limitSource: 'default' as const, pinnedEntries: 0, pinnedBytes: 0, ...extra });

describe('the chunk store panel', () => {
  it('shows sizes as people read them', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(312 * 1024 ** 2)).toBe('312 MiB');
    expect(formatBytes(1.44 * GiB)).toBe('1.4 GiB');
    expect(formatBytes(20 * GiB)).toBe('20 GiB');
  });

  it('says in words how close the store is to its limit, not by colour alone', () => {
    expect(summariseStore(view(2 * GiB))).toMatchObject({ tone: 'ok', toneLabel: '● room to spare', usedText: '2.0 GiB of 20 GiB', percent: 10 });
    expect(summariseStore(view(18 * GiB)).tone).toBe('near');
    expect(summariseStore(view(19.9 * GiB)).toneLabel).toMatch(/at the limit/);
  });

  it('names what unfinished jobs hold and where the limit comes from', () => {
    const s = summariseStore(view(GiB, { pinnedEntries: 3, pinnedBytes: 300 * 1024 ** 2, limitSource: 'setting', limitBytes: 5 * GiB }));
    expect(s.detail).toBe('12 chunks kept; 3 held by unfinished jobs (300 MiB), never evicted. Limit: set by an operator.');
  });

  it('reads the limit box as GiB, empty as the default, and names the field when it is not a number', () => {
    expect(limitFromText('')).toEqual({ limitBytes: null });
    expect(limitFromText(' 2.5 ')).toEqual({ limitBytes: Math.round(2.5 * GiB) });
    expect(limitFromText('lots')).toMatchObject({ problem: expect.stringMatching(/^limit: /) });
    expect(limitFromText('-1')).toHaveProperty('problem');
    expect(limitText(view(0, { limitSource: 'setting', limitBytes: 5 * GiB }))).toBe('5');
    expect(limitText(view(0))).toBe('');
  });
});
