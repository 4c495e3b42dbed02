import { describe, expect, it } from 'vitest';
import { INTERPOLATION_CONTEXT, gcd, sourceFramesNeeded, sourceGridStep, sourceSpan, timestampUnit } from '../../../src-main/engine/chunks/chunk-geometry.ts';

describe('chunk geometry', () => {
  it('finds the frame counts that last a whole number of milliseconds', () => {
    expect(gcd(24, 1000)).toBe(8);
    expect(timestampUnit(24)).toBe(3); // 3 frames = 125 ms
    expect(timestampUnit(25)).toBe(1); // 40 ms each
    expect(timestampUnit(30)).toBe(3);
    expect(timestampUnit(12)).toBe(3);
    expect(timestampUnit(7)).toBe(7);
    for (let fps = 1; fps <= 60; fps++) expect(((timestampUnit(fps) * 1000) / fps) % 1).toBe(0);
  });

  it('starts interpolation chunks on source frames that fall on the output grid', () => {
    expect(sourceGridStep(12, 24)).toBe(1);
    expect(sourceGridStep(12, 30)).toBe(2); // source frame 2 is at output frame 5
    expect(sourceGridStep(12, 25)).toBe(12);
    expect(sourceGridStep(24, 24)).toBe(1);
  });

  it('counts the source frames the last output frame needs', () => {
    // 72 output frames at 24 from 12 fps: frame 71 lies between source frames 35 and 36.
    expect(sourceFramesNeeded(72, 12, 24)).toBe(37);
    expect(sourceFramesNeeded(1, 12, 24)).toBe(2);
  });

  it('gives a chunk its needed frames plus context on both sides, clipped to the source', () => {
    const grid = { sourceFps: 12, fps: 24, sourceFrames: 37 };
    // Output 24..48 needs source 12..24 (frame 47 lies between 23 and 24); context 2 each side.
    expect(sourceSpan(24, 48, grid, 2)).toEqual({ start: 10, end: 27, firstOutput: 20 });
    expect(sourceSpan(0, 24, grid, 2)).toEqual({ start: 0, end: 15, firstOutput: 0 });
    expect(sourceSpan(48, 72, grid, 2)).toEqual({ start: 22, end: 37, firstOutput: 44 });
  });

  it('aligns a span start down to the grid step, so its first output frame is whole', () => {
    const span = sourceSpan(45, 60, { sourceFps: 12, fps: 30, sourceFrames: 40 }, 1);
    expect(span.start % 2).toBe(0);
    expect(Number.isInteger(span.firstOutput)).toBe(true);
    expect(span.firstOutput).toBeLessThanOrEqual(45);
  });

  it('always reads at least two source frames (minterpolate makes nothing from one)', () => {
    const span = sourceSpan(70, 72, { sourceFps: 12, fps: 24, sourceFrames: 36 }, 0);
    expect(span.end - span.start).toBeGreaterThanOrEqual(2);
    expect(sourceSpan(0, 1, { sourceFps: 12, fps: 24, sourceFrames: 2 }, 0)).toEqual({ start: 0, end: 2, firstOutput: 0 });
  });

  it('gives every retime at least one frame of context (a join can have a hole to bridge)', () => {
    for (const context of Object.values(INTERPOLATION_CONTEXT)) expect(context).toBeGreaterThanOrEqual(1);
    // How much optical flow needs is measured, not asserted here: the SSIM tests of interpolation-chunk.test.ts.
  });
});
