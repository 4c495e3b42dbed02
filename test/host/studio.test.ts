import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventBatch, Job, QueueState } from '../../src-preload/contract.ts';
import { isAlive } from '../fixtures/stage-tasks.ts';
import { openStudio, studioPerTest, tinyProject, until } from './helpers.ts';

const { setup, closeAfter } = studioPerTest();

describe('Studio host: queue', () => {
  it('runs jobs by priority, then position, and renders each to a verified file', async () => {
    const { send, job, studio } = await setup({ maxRunningJobs: 1 });
    await send({ type: 'pauseQueue' });
    const [a, b, c] = (await send({ type: 'enqueue', project: tinyProject(['a', 'b', 'c']) })) as Job[];
    await send({ type: 'setPriority', jobId: c!.id, priority: 5 });
    await send({ type: 'move', jobId: b!.id, to: 'top' });
    await send({ type: 'resumeQueue' });
    await until(() => [a, b, c].every((j) => job(j!.id).status === 'done'), 60_000, 'all jobs done');
    const order = [a, b, c].map((j) => job(j!.id)).sort((x, y) => x.startedAt! - y.startedAt!).map((j) => j.shotId);
    expect(order).toEqual(['c', 'b', 'a']);
    for (const j of [a, b, c]) {
      const done = job(j!.id);
      expect(done).toMatchObject({ attempts: 1, progress: 100, error: null });
      expect(existsSync(done.output!)).toBe(true);
    }
    expect(studio.queueCounts().done).toBe(3);
  });

  it('pauses, resumes, cancels and retries jobs, refusing what makes no sense with a clear error', async () => {
    const { send, studio, job } = await setup();
    await send({ type: 'pauseQueue' });
    const [a, b] = (await send({ type: 'enqueue', project: tinyProject(['a', 'b']) })) as Job[];
    await send({ type: 'pauseJob', jobId: a!.id });
    expect(job(a!.id).status).toBe('paused');
    await send({ type: 'cancel', jobId: b!.id });
    expect(job(b!.id).status).toBe('canceled');
    const refused = await studio.execute({ type: 'resumeJob', jobId: b!.id }, 'tester');
    expect(refused).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const unknown = await studio.execute({ type: 'cancel', jobId: 'nope' }, 'tester');
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const invalid = await studio.execute({ type: 'setPriority', jobId: a!.id, priority: 1000 }, 'tester');
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringMatching(/priority must be at most 100/) } });

    await send({ type: 'retry', jobId: b!.id });
    await send({ type: 'resumeJob', jobId: a!.id });
    await send({ type: 'resumeQueue' });
    await until(() => job(a!.id).status === 'done' && job(b!.id).status === 'done', 60_000, 'both done');
  });

  it('shows a job waiting on an open circuit as blocked, with the time it may go on, then finishes it', async () => {
    const { send, job, batches } = await setup();
    await send({ type: 'configureCircuit', circuit: 'video_frame_processing', patch: { failureThreshold: 1, recoveryTimeoutMs: 1500, successThreshold: 1 } });
    await send({ type: 'setChaos', rules: [{ stage: 'frame_processing', mode: 'fail', times: 1 }] });
    const [a] = (await send({ type: 'enqueue', project: tinyProject(['a']) })) as Job[];
    await until(() => job(a!.id).status === 'done', 60_000, 'job done');
    const blocked = batches.flatMap((b) => b.jobs).find((j) => j.id === a!.id && j.status === 'blocked');
    expect(blocked).toMatchObject({ blockedBy: expect.stringContaining('video_frame_processing'), blockedUntil: expect.any(Number) });
    const transitions = batches.flatMap((b) => b.events).filter((e) => e.kind === 'circuit_transition').map((e) => (e.kind === 'circuit_transition' ? `${e.entry.from}->${e.entry.to}` : ''));
    expect(transitions).toEqual(expect.arrayContaining(['closed->open', 'open->half_open', 'half_open->closed']));
  });
});

describe('Studio host: the degradation badge', () => {
  it('is on the job every command answers with, as on the streamed one', async () => {
    const { send, job, batches } = await setup();
    // The interpolation degrades (blend to duplicate); the export then hangs, so the job stays at hand.
    await send({ type: 'setChaos', rules: [{ stage: 'interpolation', mode: 'fail' }, { stage: 'export', mode: 'hang' }] });
    const [a] = (await send({ type: 'enqueue', project: tinyProject(['a']) })) as Job[];
    await until(() => batches.some((b) => b.events.some((e) => e.kind === 'degradation' && e.jobId === a!.id)), 60_000, 'a degraded');
    await until(() => job(a!.id).stage === 'export', 30_000, 'a exporting');
    const badge = { what: 'interpolation', from: 'blend', to: 'duplicate' };

    expect(await send({ type: 'setPriority', jobId: a!.id, priority: 3 })).toMatchObject({ status: 'running', degraded: badge });
    await send({ type: 'pauseQueue' });
    expect(await send({ type: 'pauseJob', jobId: a!.id })).toMatchObject({ degraded: badge });
    await until(() => job(a!.id).status === 'paused', 10_000, 'a paused');
    expect(await send({ type: 'move', jobId: a!.id, to: 'top' })).toMatchObject({ status: 'paused', degraded: badge });
    expect(await send({ type: 'resumeJob', jobId: a!.id })).toMatchObject({ status: 'queued', degraded: badge });
    const streamed = await until(() => batches.flatMap((b) => b.jobs).findLast((j) => j.id === a!.id && j.status === 'queued'), 2000, 'the resumed job streamed');
    expect(streamed).toMatchObject({ degraded: badge });
  });
});

describe('Studio host: emergency stop', () => {
  it('immediate: kills running work, requeues it without partial output, latches until reset, and resume restarts', async () => {
    const { send, studio, job, dataDir } = await setup();
    await send({ type: 'setChaos', rules: [{ stage: 'interpolation', mode: 'hang' }] });
    const [a] = (await send({ type: 'enqueue', project: tinyProject(['a']) })) as Job[];
    await until(() => job(a!.id).stage === 'interpolation', 30_000, 'interpolation running');
    const ffmpeg = await until(() => studio.snapshot().resources?.processes.filter((p) => p.role === 'ffmpeg').map((p) => p.pid), 10_000, 'an ffmpeg sampled').catch(() => [] as number[]);

    const state = (await send({ type: 'emergencyStop', scope: 'immediate', reason: 'drill' }, 'operator')) as QueueState;
    expect(state).toMatchObject({ paused: true, stopped: { scope: 'immediate', reason: 'drill' } });
    await until(() => job(a!.id).status === 'queued', 10_000, 'job requeued');
    expect(job(a!.id)).toMatchObject({ attempts: 1, progress: 0, output: null });
    expect(existsSync(join(dataDir, 'renders', a!.id))).toBe(false);
    expect(Object.values(studio.circuitStats()).every((c) => c.state === 'forced_open')).toBe(true);
    for (const pid of ffmpeg) await until(() => !isAlive(pid), 5000, `ffmpeg ${pid} gone`);

    expect(await studio.execute({ type: 'resume' }, 'operator')).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/reset the circuits first/) } });
    await send({ type: 'reset', reason: 'drill over' }, 'operator');
    expect(Object.values(studio.circuitStats()).every((c) => c.state === 'closed')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(job(a!.id).status).toBe('queued');

    await send({ type: 'setChaos', rules: [] });
    await send({ type: 'resume' }, 'operator');
    await until(() => job(a!.id).status === 'done', 60_000, 'job done after resume');
    expect(job(a!.id).attempts).toBe(2);

    const actions = studio.snapshot().audit.map((e) => `${e.actor}:${e.action}`);
    expect(actions).toEqual(expect.arrayContaining(['operator:emergency_stop', 'operator:reset', 'operator:resume', 'tester:set_chaos']));
    const stop = studio.snapshot().audit.find((e) => e.action === 'emergency_stop')!;
    expect(stop).toMatchObject({ reason: 'drill', detail: { scope: 'immediate', jobs: [a!.id] } });
    const reset = studio.snapshot().audit.find((e) => e.action === 'reset')!;
    const names = Object.keys(studio.circuitStats());
    expect(reset.detail).toEqual({ from: Object.fromEntries(names.map((n) => [n, 'forced_open'])), to: Object.fromEntries(names.map((n) => [n, 'closed'])) });
  });

  it('sends a circuit whose in-flight count moved, though a call starting emits no breaker event', async () => {
    const { studio } = await setup();
    const batches: EventBatch[] = [];
    const unsubscribe = studio.subscribe((batch) => batches.push(batch));
    let release!: () => void;
    const call = studio.circuits.getBreaker('video_export').execute(() => new Promise<void>((resolve) => (release = resolve)));
    await until(() => batches.some((b) => b.circuits.video_export?.stats.concurrent_requests === 1), 5000, 'in-flight 1 sent');
    release();
    await call;
    await until(() => batches.some((b) => b.circuits.video_export?.stats.concurrent_requests === 0), 5000, 'in-flight 0 sent');
    unsubscribe();
  });

  it('after_current: the running stage finishes, nothing new starts, the job waits in the queue', async () => {
    const { send, job } = await setup({ maxRunningJobs: 1 });
    await send({ type: 'setChaos', rules: [{ stage: 'frame_processing', mode: 'slow' }] });
    const [a, b] = (await send({ type: 'enqueue', project: tinyProject(['a', 'b']) })) as Job[];
    await until(() => job(a!.id).status === 'running' && job(a!.id).stage === 'frame_processing', 30_000, 'a in frames');
    await send({ type: 'emergencyStop', scope: 'after_current', reason: 'finish what runs' });
    await until(() => job(a!.id).status === 'queued', 30_000, 'a back in the queue after its stage');
    expect(job(b!.id)).toMatchObject({ status: 'queued', attempts: 0 });
  });
});

describe('Studio host: persistence', () => {
  it('keeps jobs, circuit overrides, chaos and the latched stop across a restart', async () => {
    const first = await openStudio();
    await first.send({ type: 'pauseQueue' });
    const [a] = (await first.send({ type: 'enqueue', project: tinyProject(['a']) })) as Job[];
    await first.send({ type: 'configureCircuit', circuit: 'video_export', patch: { timeoutMs: 12_345 } });
    await first.send({ type: 'emergencyStop', scope: 'immediate', reason: 'before restart' });
    await first.cleanup(false);

    const second = await openStudio({ dataDir: first.dataDir });
    closeAfter(() => second.cleanup());
    expect(second.job(a!.id)).toMatchObject({ status: 'queued', shotId: 'a' });
    expect(second.studio.circuitStats().video_export!.config.timeout).toBeCloseTo(12.345);
    expect(second.studio.circuitStats().video_export!.state).toBe('forced_open');
    expect(second.studio.snapshot().queue.stopped).toMatchObject({ reason: 'before restart' });
  });
});
