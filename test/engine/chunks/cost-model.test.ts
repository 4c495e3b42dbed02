import { describe, expect, it } from 'vitest';
import {
  BUILTIN_SECONDS_PER_MPF,
  builtinSecondsPerMpf,
  chunkDeadlineMs,
  expectedSeconds,
  throughputKey,
} from '../../../src-main/engine/chunks/cost-model.ts';
import { FORMATS, INTERPOLATIONS, QUALITIES } from '../../../src-main/engine/model.ts';

describe('cost model', () => {
  it('expects one ffmpeg start plus frames × megapixels × seconds per megapixel-frame', () => {
    // 288 frames of 1920x1080 (2.0736 MP) at 0.2 s/MP-frame: 119.44 s of work.
    expect(expectedSeconds({ frames: 288, width: 1920, height: 1080 }, 0.2, 0.5)).toBeCloseTo(0.5 + 288 * 2.0736 * 0.2, 9);
    expect(expectedSeconds({ frames: 0, width: 1920, height: 1080 }, 0.2, 0.5)).toBe(0.5);
  });

  it('gives a deadline of expected × safety factor, at least the floor, never above the circuit timeout', () => {
    expect(chunkDeadlineMs(10, { timeoutMs: 120_000, safetyFactor: 3, minDeadlineMs: 5_000 })).toBe(30_000);
    expect(chunkDeadlineMs(1, { timeoutMs: 120_000, safetyFactor: 3, minDeadlineMs: 5_000 })).toBe(5_000);
    expect(chunkDeadlineMs(100, { timeoutMs: 120_000, safetyFactor: 3, minDeadlineMs: 5_000 })).toBe(120_000);
    // The cap wins over the floor too: the circuit's timeout is the hard limit.
    expect(chunkDeadlineMs(0.1, { timeoutMs: 2_000, safetyFactor: 3, minDeadlineMs: 5_000 })).toBe(2_000);
  });

  it('has a positive built-in figure for every stage, method and quality the engine knows', () => {
    const methods = { frame_processing: ['still', 'zoompan'], interpolation: INTERPOLATIONS, export: FORMATS } as const;
    for (const [stage, list] of Object.entries(methods)) {
      for (const method of list) {
        for (const quality of QUALITIES) {
          const key = throughputKey({ stage: stage as keyof typeof methods, method, quality });
          expect(BUILTIN_SECONDS_PER_MPF[key], key).toBeGreaterThan(0);
        }
      }
    }
  });

  it('falls back to the dearest figure of the stage for a key no bench measured', () => {
    const dearest = Math.max(...Object.entries(BUILTIN_SECONDS_PER_MPF).filter(([k]) => k.startsWith('export/')).map(([, v]) => v));
    expect(builtinSecondsPerMpf({ stage: 'export', method: 'av1', quality: 'final' })).toBe(dearest);
    expect(builtinSecondsPerMpf({ stage: 'export', method: 'mp4', quality: 'draft' })).toBe(BUILTIN_SECONDS_PER_MPF['export/mp4/draft']);
  });
});
