import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinSecondsPerMpf } from '../../src-main/engine/chunks/cost-model.ts';
import { openStudio, studioPerTest, tinyProject } from './helpers.ts';

const { setup, closeAfter } = studioPerTest();

/** A tiny shot that fits, and a 4K final optical-flow one that cannot fit a 5 s interpolation timeout. */
function mixedProject() {
  const tiny = tinyProject(['small']).shots[0]!;
  const big = { ...tiny, id: 'big', resolution: { width: 3840, height: 2160 }, interpolation: { method: 'optical_flow' as const, sourceFps: 6 }, quality: 'final' as const };
  return { ...tinyProject([]), shots: [tiny, big] };
}

describe('Studio host: estimates up front', () => {
  it('gives every queued job its estimate, the same the estimate command answers', async () => {
    const { send } = await setup();
    await send({ type: 'pauseQueue' });
    const [estimate] = await send({ type: 'estimate', project: tinyProject(['a']) });
    expect(estimate).toMatchObject({ shotId: 'a', quality: 'draft' });
    expect(estimate!.expectedSeconds).toBeGreaterThan(0);
    expect(estimate!.refusal).toBeUndefined();
    const [job] = await send({ type: 'enqueue', project: tinyProject(['a']) });
    expect(job!.estimateSeconds).toBeCloseTo(estimate!.expectedSeconds, 9);
    // The stream and the snapshot carry it too.
    expect((await send({ type: 'snapshot' })).jobs.find((j) => j.id === job!.id)!.estimateSeconds).toBeCloseTo(estimate!.expectedSeconds, 9);
  });

  it('refuses a whole enqueue when one shot cannot fit its circuit, naming the shot, the stage and the fixes, and queues nothing', async () => {
    const { studio, send, dataDir } = await setup();
    await send({ type: 'configureCircuit', circuit: 'video_interpolation', patch: { timeoutMs: 5000 } });
    const reply = await studio.execute({ type: 'enqueue', project: mixedProject() }, 'tester');
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('invalid');
    expect(reply.error.message).toMatch(/^shot "big": interpolation \(optical_flow, final, 3840x2160\) is expected to take \d+ s/);
    expect(reply.error.message).toMatch(/choose a lower quality than final, or render at a smaller size than 3840x2160, or raise video_interpolation's timeoutMs to at least \d+ ms/);
    expect(reply.error.message).toMatch(/Nothing was queued/);
    expect(studio.queue.list()).toEqual([]);
    expect(existsSync(join(dataDir, 'renders'))).toBe(false);

    // The estimate command answers the same per shot, without refusing the command.
    const estimates = await send({ type: 'estimate', project: mixedProject() });
    expect(estimates.map((e) => e.shotId)).toEqual(['small', 'big']);
    expect(estimates[0]!.refusal).toBeUndefined();
    expect(estimates[1]!.refusal).toMatchObject({ stage: 'interpolation', circuit: 'video_interpolation', fixes: [expect.any(String), expect.any(String), expect.any(String)] });
    expect(studio.queue.list()).toEqual([]);

    // The fix it names works: with the timeout it asks for, the shot is admitted.
    const needed = estimates[1]!.refusal!.neededTimeoutMs;
    await send({ type: 'configureCircuit', circuit: 'video_interpolation', patch: { timeoutMs: needed } });
    expect((await send({ type: 'estimate', project: mixedProject(), shotIds: ['big'] }))[0]!.refusal).toBeUndefined();
  });

  it('estimates as the command says: only the shots named, at the quality asked for', async () => {
    const { send, studio } = await setup();
    const estimates = await send({ type: 'estimate', project: tinyProject(['a', 'b', 'c']), shotIds: ['b'], quality: 'final' });
    expect(estimates).toHaveLength(1);
    expect(estimates[0]).toMatchObject({ shotId: 'b', quality: 'final' });
    const missing = await studio.execute({ type: 'estimate', project: tinyProject(['a']), shotIds: ['zz'] }, 'tester');
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('keeps a pinned figure across a restart (in studio.db), audited, and unpins with null', async () => {
    const key = { stage: 'export' as const, method: 'mp4', quality: 'draft' as const };
    const first = await openStudio();
    const before = (await first.send({ type: 'estimate', project: tinyProject(['a']) }))[0]!.stages.export;
    expect(before.figureSource).toBe('builtin');
    const pinned = await first.send({ type: 'pinThroughput', key, secondsPerMpf: builtinSecondsPerMpf(key) * 50, reason: 'slow disk' });
    expect(pinned).toMatchObject({ key: 'export/mp4/draft', source: 'pinned', secondsPerMpf: builtinSecondsPerMpf(key) * 50 });
    expect(first.studio.snapshot().audit.find((a) => a.action === 'pin_throughput')).toMatchObject({ actor: 'tester', reason: 'slow disk', detail: { key: 'export/mp4/draft' } });
    await first.cleanup(false);

    const second = await openStudio({ dataDir: first.dataDir });
    closeAfter(() => second.cleanup());
    const after = (await second.send({ type: 'estimate', project: tinyProject(['a']) }))[0]!.stages.export;
    expect(after.figureSource).toBe('pinned');
    expect(after.expectedSeconds).toBeGreaterThan(before.expectedSeconds);
    expect(second.studio.throughput.figure(key)).toMatchObject({ source: 'pinned' });
    expect(await second.send({ type: 'pinThroughput', key, secondsPerMpf: null })).toMatchObject({ source: 'builtin' });
  });

  it('refuses a pin that is not a positive figure, or names no known stage', async () => {
    const { studio } = await setup();
    const bad = await studio.execute({ type: 'pinThroughput', key: { stage: 'export', method: 'mp4', quality: 'draft' }, secondsPerMpf: 0 }, 'tester');
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid', field: 'secondsPerMpf' } });
    const stage = await studio.execute({ type: 'pinThroughput', key: { stage: 'nope', method: 'mp4', quality: 'draft' }, secondsPerMpf: 1 } as never, 'tester');
    expect(stage).toMatchObject({ ok: false, error: { code: 'invalid', field: 'key.stage' } });
  });
});
