/**
 * One chunk on the farm, seen from the coordinator's lease: its result comes back with the node's
 * name and its output renamed into place; the coordinator's abort reaches the node and kills its
 * ffmpeg at once; a chunk whose files lie outside the shared folder renders locally; and a task
 * the node refuses (outside its shared folder) fails as invalid without running.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { StageError } from '../../src-main/engine/tasks.ts';
import { attemptsFolder } from '../../src-main/farm/chunk-files.ts';
import { CHUNK_QUEUE } from '../../src-main/farm/farm-keys.ts';
import { ChunkOutcomeSchema } from '../../src-main/farm/farm-messages.ts';
import { frameTask, isAlive, waitUntil } from '../fixtures/stage-tasks.ts';
import { type Farm, farmForSuite } from './farm-fixture.ts';
import { skipWithoutRedis } from './redis-harness.ts';

const skip = skipWithoutRedis('dispatch');

describe.skipIf(skip)('a chunk on the farm', () => {
  const farmOf = farmForSuite({ nodes: ['solo'] });
  let farm: Farm;
  beforeAll(() => {
    farm = farmOf();
  });

  async function runOnLease(task: Parameters<Awaited<ReturnType<Farm['leaser']['lease']>>['run']>[0], signal?: AbortSignal) {
    const nodes: string[] = [];
    const progress: number[] = [];
    const lease = await farm.leaser.lease(signal);
    try {
      const result = await lease.run(task, { signal, onNode: (n) => nodes.push(n), onProgress: (p) => progress.push(p.percent) });
      return { result, nodes, progress };
    } finally {
      lease.release();
    }
  }

  it('comes back with the node that ran it, its output renamed into place', async () => {
    const task = frameTask(join(farm.shared, 'one'), 'segment', undefined, { frames: 24 });
    const { result, nodes, progress } = await runOnLease(task);
    expect(result.output).toBe(task.output);
    expect(existsSync(task.output)).toBe(true);
    expect(existsSync(attemptsFolder(task.output))).toBe(false);
    expect(nodes).toEqual(['solo']);
    expect(progress[0]).toBe(0);
  }, 60_000);

  it("reaches the node when the coordinator aborts: its ffmpeg dies at once and the place is free again", async () => {
    const controller = new AbortController();
    const task = frameTask(join(farm.shared, 'hang'), 'segment', 'hang');
    const running = runOnLease(task, controller.signal);
    running.catch(() => undefined);
    const solo = farm.nodes[0]!;
    const spawned = await solo.waitFor((l) => l.type === 'ffmpeg' && solo.of('taken').some((t) => t.chunk === l.chunk && t.output === task.output), 30_000, 'the hanging chunk starts');
    const abortedAt = Date.now();
    controller.abort(new Error('the operator canceled the job'));
    await expect(running).rejects.toSatisfy((e) => e instanceof StageError && e.code === 'canceled');
    await waitUntil(() => !isAlive(spawned.pid!), 5000, "the node's ffmpeg is gone");
    expect(Date.now() - abortedAt).toBeLessThan(1500);
    const stopped = await solo.waitFor((l) => l.type === 'stopped' && l.chunk === spawned.chunk, 5000, 'the node says it stopped the chunk');
    expect(stopped.why).toBe('canceled');
    // The place is free: another chunk runs at once.
    const again = await runOnLease(frameTask(join(farm.shared, 'after'), 'segment'));
    expect(again.nodes).toEqual(['solo']);
  }, 60_000);

  it('renders a chunk whose files are outside the shared folder on this machine', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'storycore-unshared-'));
    try {
      const before = farm.nodes[0]!.of('taken').length;
      const { result, nodes } = await runOnLease(frameTask(elsewhere, 'local'));
      expect(existsSync(result.output)).toBe(true);
      expect(nodes).toEqual([]);
      expect(farm.nodes[0]!.of('taken').length).toBe(before);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  }, 60_000);

  it('is refused by a node when its files are outside the shared folder, or its data is not a chunk', async () => {
    // Straight into the queue, as a foreign writer might: the node checks, whoever queued it.
    const connection = new Redis(farm.redis.url, { maxRetriesPerRequest: null });
    const events = new QueueEvents(CHUNK_QUEUE, { connection: connection.duplicate() });
    const queue = new Queue(CHUNK_QUEUE, { connection });
    try {
      await events.waitUntilReady();
      const outside = await queue.add('chunk', { v: 1, task: frameTask(tmpdir(), 'escape'), job: 'j', avoid: [] }, { jobId: crypto.randomUUID() });
      const garbage = await queue.add('chunk', { v: 1, task: { stage: 'export', output: '/etc/passwd' }, job: 'j', avoid: [] }, { jobId: crypto.randomUUID() });
      const outcomes = await Promise.all([outside.waitUntilFinished(events, 30_000), garbage.waitUntilFinished(events, 30_000)]);
      for (const raw of outcomes as unknown[]) {
        const outcome = ChunkOutcomeSchema.parse(raw);
        expect(outcome).toMatchObject({ ok: false, code: 'invalid_task', node: 'solo' });
      }
      expect(existsSync(join(tmpdir(), 'escape.mkv'))).toBe(false);
    } finally {
      await events.close();
      await queue.close();
      connection.disconnect();
    }
  }, 60_000);
});

