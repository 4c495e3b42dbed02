// Stable cuts: the planner keeps remembered chunk ends that cut as it may, and a shot's plan keeps
// the cut remembered for its geometry while every chunk still fits its timeout.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChunkStore } from '../../../src-main/engine/chunk-store/chunk-store.ts';
import { planChunks, type PlanLimits, type StageWork } from '../../../src-main/engine/chunks/planner.ts';
import { ShotRun } from '../../../src-main/engine/shot-run.ts';
import { shotOf } from './reuse-support.ts';

const work: StageWork = { stage: 'interpolation', method: 'optical_flow', quality: 'standard', frames: 288, width: 1920, height: 1080, fps: 24, retime: { sourceFps: 12, fps: 24, sourceFrames: 146, method: 'optical_flow' } };
const limits: PlanLimits = { circuit: 'video_interpolation', timeoutMs: 120_000, maxConcurrent: 2, workers: 2, secondsPerMpf: 0.42 };
const endsOf = (plan: ReturnType<typeof planChunks>) => (plan.ok ? plan.chunks.map((c) => c.end) : []);

describe('stable cuts', () => {
  it('the planner keeps remembered ends that cut in whole units, and ignores any that do not', () => {
    const fresh = endsOf(planChunks(work, limits));
    const other = endsOf(planChunks(work, { ...limits, secondsPerMpf: 0.3 }));
    expect(other, 'a changed figure alone cuts elsewhere').not.toEqual(fresh);
    expect(endsOf(planChunks(work, { ...limits, secondsPerMpf: 0.3, ends: fresh }))).toEqual(fresh);
    // Not on the unit (3 frames at 24 fps), not ending at the last frame, a chunk too short: ignored.
    for (const bad of [[100, 288], [96, 240], [3, 288], []]) expect(endsOf(planChunks(work, { ...limits, ends: bad }))).toEqual(fresh);
  });

  it('a shot keeps the cut its geometry was planned with while it fits, and cuts afresh when it no longer does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'storycore-plans-'));
    try {
      const store = await ChunkStore.open({ dir, limitBytes: 1024 ** 3 });
      const run = (read = true) => new ShotRun(shotOf(), { quality: 'standard', outDir: dir, workDir: dir, resolveAsset: (p) => p }, [], { store, read });
      const first = endsOf(run().chunks.plan(work, limits));
      expect(endsOf(run().chunks.plan(work, { ...limits, secondsPerMpf: 0.3 })), 'kept under a changed figure').toEqual(first);
      // Remembered on disk: a store opened again keeps it too.
      await store.flush();
      const reopened = await ChunkStore.open({ dir, limitBytes: 1024 ** 3 });
      expect(endsOf(new ShotRun(shotOf(), { quality: 'standard', outDir: dir, workDir: dir, resolveAsset: (p) => p }, [], { store: reopened, read: true }).chunks.plan(work, { ...limits, secondsPerMpf: 0.3 }))).toEqual(first);
      // A timeout the remembered chunks no longer fit (expected × 3 over it): cut afresh, and that is remembered.
      const tight = { ...limits, timeoutMs: 40_000 };
      const recut = endsOf(run().chunks.plan(work, tight));
      expect(recut).not.toEqual(first);
      expect(recut).toEqual(endsOf(planChunks(work, tight)));
      expect(endsOf(run().chunks.plan(work, limits))).toEqual(recut);
      // A forced full render reads no remembered cut.
      expect(endsOf(run(false).chunks.plan(work, { ...limits, secondsPerMpf: 0.3 }))).toEqual(endsOf(planChunks(work, { ...limits, secondsPerMpf: 0.3 })));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
