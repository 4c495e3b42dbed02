// The studio's chunk store through its commands (real workers, ffmpeg, SQLite): an immediate stop
// at about 70% resumes from the finished chunks, an after_current stop lets the running chunks
// finish and keeps them, a retried job redoes only what failed, and the store's commands.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command, EventBatch, Job } from '../../src-preload/contract.ts';
import { PipelineTraceSchema, type PipelineTrace } from '../../src-main/engine/trace.ts';
import { frameMd5s } from '../engine/chunks/ffmpeg-support.ts';
import { BASE_SHOT, SLOW_FIGURES, chunkedStudio as chunked } from '../engine/chunk-store/reuse-support.ts';
import { openStudio, studioPerTest, until } from './helpers.ts';

const SLOW = 300_000;
const project = { version: 1 as const, name: 'reuse', quality: 'draft' as const, shots: [BASE_SHOT] };
const { setup, closeAfter } = studioPerTest();


/** The newest streamed state of a job (it carries its run's chunk counts). */
const streamed = (batches: EventBatch[], id: string) => batches.flatMap((b) => b.jobs).findLast((j) => j.id === id);
const rendered = (batches: EventBatch[], id: string) => streamed(batches, id)?.chunks?.rendered ?? 0;
const traceOf = (studio: Awaited<ReturnType<typeof openStudio>>, id: string): PipelineTrace => PipelineTraceSchema.parse(studio.studio.queue.getTrace(id));
const chunkCalls = (trace: PipelineTrace, outcome: string) => (trace.chunks ?? []).filter((c) => c.outcome === outcome).map((c) => `${c.stage}: ${c.detail}`);

/** The same shot rendered by another studio from nothing: the frames an uninterrupted render makes. */
async function reference(): Promise<string[]> {
  const other = await openStudio({ dataDir: await mkdtemp(join(tmpdir(), 'storycore-reference-')) });
  closeAfter(() => other.cleanup());
  await chunked(other.send);
  const [job] = (await other.send({ type: 'enqueue', project })) as Job[];
  await until(() => other.job(job!.id).status === 'done', 240_000, 'the reference render is done');
  return await frameMd5s(other.job(job!.id).output!);
}

describe('the studio reuses stored chunks', () => {
  it('immediate stop at about 70%: the resume renders only the rest, frame for frame as an uninterrupted render', async () => {
    const studio = await setup();
    await chunked(studio.send);
    const [job] = (await studio.send({ type: 'enqueue', project })) as Job[];
    await until(() => rendered(studio.batches, job!.id) >= 20, 240_000, '20 of 29 chunks rendered and stored');
    await studio.send({ type: 'emergencyStop', scope: 'immediate', reason: 'stop at 70%' });
    await until(() => studio.job(job!.id).status === 'queued', 30_000, 'the job is back in the queue');
    const kept = rendered(studio.batches, job!.id);
    // The queued job holds its chunks against eviction.
    const view = await studio.send({ type: 'chunkStore' });
    expect(view.entries).toBeGreaterThanOrEqual(kept);
    expect(view.pinnedEntries).toBe(view.entries);

    await studio.send({ type: 'reset', reason: 'go on' });
    await studio.send({ type: 'resume' });
    await until(() => studio.job(job!.id).status === 'done', 240_000, 'the resumed job is done');
    const trace = traceOf(studio, job!.id);
    expect(trace.reuse!.rendered, `rendered after the resume (${kept} were kept)`).toBeLessThanOrEqual(29 - kept);
    expect(trace.reuse!.reused).toBeGreaterThan(0);
    expect(streamed(studio.batches, job!.id)?.chunks).toMatchObject({ reused: trace.reuse!.reused, rendered: trace.reuse!.rendered });
    expect(await frameMd5s(studio.job(job!.id).output!)).toEqual(await reference());
    // Done: its chunks may be evicted now.
    expect((await studio.send({ type: 'chunkStore' })).pinnedEntries).toBe(0);
  }, SLOW);

  it('after_current: the running chunks finish and are kept, nothing new starts, the resume takes them', async () => {
    const studio = await setup();
    await chunked(studio.send);
    const [job] = (await studio.send({ type: 'enqueue', project })) as Job[];
    // 18 frame chunks and the join, then interpolation chunks two at a time: stop while two run.
    await until(() => rendered(studio.batches, job!.id) >= 21, 240_000, 'two interpolation chunks stored');
    const atStop = rendered(studio.batches, job!.id);
    await studio.send({ type: 'emergencyStop', scope: 'after_current', reason: 'finish what runs' });
    await until(() => studio.job(job!.id).status === 'queued', 60_000, 'the job is back in the queue');
    await studio.studio.chunks.store.flush();
    const afterStop = rendered(studio.batches, job!.id);
    // Not "greater": under load the stop can land between two chunks, with none running.
    expect(afterStop, 'what was finished before the stop is kept').toBeGreaterThanOrEqual(atStop);
    // Two lanes ran at the stop; the streamed count lags the store by a batch, so a chunk (and the one
    // its lane started next) may have finished unseen before the stop arrived. A render that went on
    // would make every piece left: 29 in all.
    expect(afterStop, 'no new chunk was started').toBeLessThanOrEqual(atStop + 4);
    expect(afterStop, 'the render did not go on to the end').toBeLessThan(29);

    await studio.send({ type: 'reset' });
    await studio.send({ type: 'resume' });
    await until(() => studio.job(job!.id).status === 'done', 240_000, 'the resumed job is done');
    const trace = traceOf(studio, job!.id);
    const interpolationReused = chunkCalls(trace, 'reused').filter((c) => /^interpolation: optical_flow chunk/.test(c));
    // At least: the stream's count can miss the last chunk the stop let finish, which the store did keep.
    expect(interpolationReused.length, 'every interpolation chunk made before the stop is reused').toBeGreaterThanOrEqual(afterStop - 19);
    expect(trace.reuse!.rendered).toBeLessThanOrEqual(29 - afterStop);
  }, SLOW);

  it('a retried job redoes only the chunks that failed', async () => {
    const studio = await setup();
    await chunked(studio.send);
    // The export fails on every attempt; its circuit is kept from opening, so the job fails at once rather than waiting out recoveries.
    await studio.send({ type: 'configureCircuit', circuit: 'video_export', patch: { failureThreshold: 1000 } });
    await studio.send({ type: 'setChaos', rules: [{ stage: 'export', mode: 'fail' }] });
    const [job] = (await studio.send({ type: 'enqueue', project })) as Job[];
    await until(() => studio.job(job!.id).status === 'failed', 240_000, 'the job failed in its export');
    const failed = traceOf(studio, job!.id);
    expect(chunkCalls(failed, 'rendered').filter((c) => c.startsWith('export:'))).toEqual([]);
    await studio.send({ type: 'setChaos', rules: [] });
    await studio.send({ type: 'retry', jobId: job!.id });
    await until(() => studio.job(job!.id).status === 'done', 240_000, 'the retried job is done');
    const retried = traceOf(studio, job!.id);
    expect(chunkCalls(retried, 'rendered').every((c) => c.startsWith('export:')), chunkCalls(retried, 'rendered').join('; ')).toBe(true);
    expect(chunkCalls(retried, 'reused').filter((c) => /^interpolation: optical_flow chunk/.test(c))).toHaveLength(6);
  }, SLOW);

  it('answers the store’s figures, keeps a limit an operator sets (validated, audited, across a restart) and clears it, audited', async () => {
    const first = await openStudio();
    const [job] = (await first.send({ type: 'enqueue', project: { ...project, shots: [{ ...BASE_SHOT, duration: 1, keyframes: BASE_SHOT.keyframes.slice(0, 1) }] } })) as Job[];
    await until(() => first.job(job!.id).status === 'done', 120_000, 'a small render is done');
    await first.studio.chunks.store.flush();
    const view = await first.send({ type: 'chunkStore' });
    expect(view).toMatchObject({ limitSource: 'default', pinnedEntries: 0 });
    expect(view.entries).toBeGreaterThan(0);
    expect(view.bytes).toBeGreaterThan(0);
    expect(view.limitBytes).toBeGreaterThanOrEqual(64 * 1024 ** 2);
    const refused = await first.studio.execute({ type: 'setChunkStoreLimit', limitBytes: 1000 }, 'tester');
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringMatching(/at least 67108864 \(64 MiB\)/) } });
    expect(await first.send({ type: 'setChunkStoreLimit', limitBytes: 128 * 1024 ** 2, reason: 'small disk' })).toMatchObject({ limitBytes: 128 * 1024 ** 2, limitSource: 'setting' });
    await first.cleanup(false);

    const second = await openStudio({ dataDir: first.dataDir });
    closeAfter(() => second.cleanup());
    expect(await second.send({ type: 'chunkStore' })).toMatchObject({ limitBytes: 128 * 1024 ** 2, limitSource: 'setting', entries: view.entries, bytes: view.bytes });
    expect(await second.send({ type: 'clearChunkStore', reason: 'free the disk' })).toMatchObject({ entries: 0, bytes: 0, removedEntries: view.entries, removedBytes: view.bytes });
    expect((await second.send({ type: 'setChunkStoreLimit', limitBytes: null })).limitSource).toBe('default');
    const audit = second.studio.snapshot().audit;
    expect(audit.find((e) => e.action === 'clear_chunk_store')).toMatchObject({ actor: 'tester', reason: 'free the disk', detail: { removedEntries: view.entries } });
    expect(audit.find((e) => e.action === 'set_chunk_store_limit' && e.reason === 'small disk')).toMatchObject({ detail: { to: { limitBytes: 128 * 1024 ** 2, source: 'setting' } } });
  }, SLOW);
});
