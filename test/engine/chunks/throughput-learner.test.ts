import { describe, expect, it } from 'vitest';
import { builtinSecondsPerMpf, type ThroughputKey } from '../../../src-main/engine/chunks/cost-model.ts';
import { ThroughputLearner, type ThroughputPersistence, type ThroughputRecord } from '../../../src-main/engine/chunks/throughput-learner.ts';

const KEY: ThroughputKey = { stage: 'interpolation', method: 'optical_flow', quality: 'standard' };
const BUILTIN = builtinSecondsPerMpf(KEY);
// Frames of 1000x1000 (one megapixel each), so wall seconds = start + frames × the rate.
const sample = (rate: number, frames = 100) => ({ key: KEY, frames, width: 1000, height: 1000, wallSeconds: 0.5 + frames * rate });

class MemoryPersistence implements ThroughputPersistence {
  rows = new Map<string, ThroughputRecord>();
  saves = 0;
  loadAll() {
    return [...this.rows.values()];
  }
  save(record: ThroughputRecord) {
    this.saves++;
    this.rows.set(record.key, record);
  }
}

describe('throughput learner', () => {
  it('starts from the built-in figure', () => {
    expect(new ThroughputLearner().figure(KEY)).toEqual({ secondsPerMpf: BUILTIN, source: 'builtin', samples: 0 });
  });

  it('moves a quarter of the way to each measurement (an EWMA), and converges on a steady rate', () => {
    const learner = new ThroughputLearner({ alpha: 0.25, maxFall: 0.5 });
    const steady = BUILTIN * 0.6; // within one step's bound
    const first = learner.observe(sample(steady));
    expect(first.source).toBe('learned');
    expect(first.secondsPerMpf).toBeCloseTo(BUILTIN + 0.25 * (steady - BUILTIN), 9);
    for (let i = 0; i < 40; i++) learner.observe(sample(steady));
    expect(learner.figure(KEY).secondsPerMpf).toBeCloseTo(steady, 4);
    expect(learner.figure(KEY).samples).toBe(41);
  });

  it('lets one very fast chunk lower the figure by an eighth at most, so it cannot collapse a deadline', () => {
    const learner = new ThroughputLearner();
    const before = learner.figure(KEY).secondsPerMpf;
    const after = learner.observe(sample(before / 1000, 100_000)).secondsPerMpf;
    expect(after).toBeCloseTo(before * (1 - 0.25 * 0.5), 9);
  });

  it('lets a slow chunk raise the figure faster, but bounded too', () => {
    const learner = new ThroughputLearner();
    const after = learner.observe(sample(BUILTIN * 1000)).secondsPerMpf;
    expect(after).toBeCloseTo(BUILTIN + 0.25 * (4 * BUILTIN - BUILTIN), 9);
  });

  it('keeps the figure within builtin / spread .. builtin × spread however long the run', () => {
    const learner = new ThroughputLearner({ spread: 10 });
    for (let i = 0; i < 200; i++) learner.observe(sample(BUILTIN / 100, 100_000));
    expect(learner.figure(KEY).secondsPerMpf).toBeCloseTo(BUILTIN / 10, 9);
    for (let i = 0; i < 200; i++) learner.observe(sample(BUILTIN * 100));
    expect(learner.figure(KEY).secondsPerMpf).toBeCloseTo(BUILTIN * 10, 9);
  });

  it('learns nothing from a chunk that was mostly an ffmpeg start', () => {
    const learner = new ThroughputLearner({ startS: 0.5 });
    expect(learner.observe({ key: KEY, frames: 3, width: 320, height: 180, wallSeconds: 0.9 })).toEqual({ secondsPerMpf: BUILTIN, source: 'builtin', samples: 0 });
    expect(learner.observe({ key: KEY, frames: 0, width: 320, height: 180, wallSeconds: 30 }).samples).toBe(0);
    expect(learner.observe({ ...sample(1), wallSeconds: Number.NaN }).samples).toBe(0);
  });

  it('keys figures by stage, method and quality', () => {
    const learner = new ThroughputLearner();
    learner.observe(sample(BUILTIN * 2));
    expect(learner.figure({ ...KEY, quality: 'draft' }).source).toBe('builtin');
    expect(learner.figure({ ...KEY, method: 'blend' }).source).toBe('builtin');
  });

  it('uses a pinned figure over the learned one, keeps learning underneath, and unpins back to it', () => {
    const learner = new ThroughputLearner();
    learner.observe(sample(BUILTIN * 2));
    const learned = learner.figure(KEY).secondsPerMpf;
    expect(learner.pin(KEY, 0.3)).toEqual({ secondsPerMpf: 0.3, source: 'pinned', samples: 1 });
    expect(learner.observe(sample(BUILTIN * 2))).toMatchObject({ secondsPerMpf: 0.3, source: 'pinned', samples: 2 });
    const unpinned = learner.pin(KEY, null);
    expect(unpinned.source).toBe('learned');
    expect(unpinned.secondsPerMpf).toBeGreaterThan(learned);
  });

  it('refuses a pinned figure that is not a positive number', () => {
    const learner = new ThroughputLearner();
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => learner.pin(KEY, bad)).toThrow(/positive/);
  });

  it('saves every change and starts from what was saved', () => {
    const persistence = new MemoryPersistence();
    const first = new ThroughputLearner({ persistence, now: () => 42 });
    first.observe(sample(BUILTIN * 2));
    first.pin({ ...KEY, quality: 'final' }, 0.7);
    expect(persistence.saves).toBe(2);
    expect(persistence.rows.get('interpolation/optical_flow/standard')).toMatchObject({ samples: 1, pinned: null, updatedAt: 42 });

    const second = new ThroughputLearner({ persistence });
    expect(second.figure(KEY)).toEqual(first.figure(KEY));
    expect(second.figure({ ...KEY, quality: 'final' })).toEqual({ secondsPerMpf: 0.7, source: 'pinned', samples: 0 });
    expect(second.list().map((r) => r.key).sort()).toEqual(['interpolation/optical_flow/final', 'interpolation/optical_flow/standard']);
  });

  it('refuses options outside their range', () => {
    expect(() => new ThroughputLearner({ alpha: 2 })).toThrow(/alpha/);
    expect(() => new ThroughputLearner({ maxFall: -0.1 })).toThrow(/maxFall/);
    expect(() => new ThroughputLearner({ maxRise: 0.5 })).toThrow(/maxRise/);
  });
});
