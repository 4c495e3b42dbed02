import { describe, expect, it } from 'vitest';
import { StallDetector } from '../../../src-main/engine/chunks/stall-detector.ts';

function manualClock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('stall detector', () => {
  it('says hung once no new frame has come for the stall window', () => {
    const clock = manualClock();
    const stall = new StallDetector({ stallMs: 5_000, now: clock.now });
    expect(stall.report(3)).toBe(true);
    clock.advance(4_999);
    expect(stall.check()).toEqual({ hung: false, frame: 3, idleMs: 4_999, windowMs: 5_000 });
    clock.advance(1);
    expect(stall.check().hung).toBe(true);
  });

  it('counts only a higher frame number as progress (ffmpeg repeats its last stats line)', () => {
    const clock = manualClock();
    const stall = new StallDetector({ stallMs: 5_000, now: clock.now });
    stall.report(10);
    clock.advance(3_000);
    expect(stall.report(10)).toBe(false);
    expect(stall.report(9)).toBe(false);
    expect(stall.report(Number.NaN)).toBe(false);
    clock.advance(2_000);
    expect(stall.check().hung).toBe(true);
    expect(stall.report(11)).toBe(true);
    expect(stall.check()).toMatchObject({ hung: false, frame: 11, idleMs: 0 });
  });

  it('gives the first frame its own, longer window, and frame=0 is not a first frame', () => {
    const clock = manualClock();
    const stall = new StallDetector({ stallMs: 2_000, firstFrameMs: 10_000, now: clock.now });
    clock.advance(5_000);
    expect(stall.report(0)).toBe(false);
    expect(stall.check()).toMatchObject({ hung: false, frame: null, windowMs: 10_000 });
    expect(stall.msUntilHung()).toBe(5_000);
    clock.advance(5_000);
    expect(stall.check().hung).toBe(true);
  });

  it('switches to the stall window after the first frame', () => {
    const clock = manualClock();
    const stall = new StallDetector({ stallMs: 2_000, firstFrameMs: 10_000, now: clock.now });
    clock.advance(8_000);
    stall.report(1);
    clock.advance(1_500);
    expect(stall.msUntilHung()).toBe(500);
    clock.advance(500);
    expect(stall.check()).toMatchObject({ hung: true, windowMs: 2_000 });
  });

  it('refuses a window that is not a positive number', () => {
    expect(() => new StallDetector({ stallMs: 0, now: () => 0 })).toThrow(/stallMs/);
    expect(() => new StallDetector({ stallMs: 1, firstFrameMs: Number.NaN, now: () => 0 })).toThrow(/firstFrameMs/);
  });
});
