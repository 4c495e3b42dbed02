/**
 * What crosses Redis is checked like any input: a chunk, an outcome and a heartbeat parse only in
 * their own shape; the farm's address is redis://HOST:PORT and is printed with its password masked.
 */
import { describe, expect, it } from 'vitest';
import { ChunkJobSchema, ChunkOutcomeSchema, NodeHeartbeatSchema, NodeNameSchema } from '../../src-main/farm/farm-messages.ts';
import { FarmUrlError, farmAddress, parseFarmUrl } from '../../src-main/farm/farm-redis.ts';
import { frameTask } from '../fixtures/stage-tasks.ts';

describe('the farm\'s messages', () => {
  it('takes a chunk only with a valid stage task, a job and node names', () => {
    expect(ChunkJobSchema.safeParse({ v: 1, task: frameTask('/shared', 'seg'), job: 'j', avoid: ['render-01'] }).success).toBe(true);
    expect(ChunkJobSchema.safeParse({ v: 1, task: { stage: 'export', output: '/x' }, job: 'j', avoid: [] }).success).toBe(false);
    expect(ChunkJobSchema.safeParse({ v: 2, task: frameTask('/shared', 'seg'), job: 'j', avoid: [] }).success).toBe(false);
    expect(ChunkJobSchema.safeParse({ v: 1, task: frameTask('/shared', 'seg'), job: 'j', avoid: ['../x'] }).success).toBe(false);
  });

  it('takes an outcome only as done with a result or failed with a known code', () => {
    expect(ChunkOutcomeSchema.safeParse({ ok: true, node: 'n', attempt: 1, result: { output: '/o', elapsedMs: 5 } }).success).toBe(true);
    expect(ChunkOutcomeSchema.safeParse({ ok: false, node: 'n', attempt: 1, code: 'stalled', message: 'no frame' }).success).toBe(true);
    expect(ChunkOutcomeSchema.safeParse({ ok: false, node: 'n', attempt: 1, code: 'melted', message: '?' }).success).toBe(false);
    expect(ChunkOutcomeSchema.safeParse({ ok: true, node: 'n', attempt: 0, result: { output: '/o', elapsedMs: 5 } }).success).toBe(false);
  });

  it('takes a heartbeat only in its own shape, and node names a key or a folder can hold', () => {
    const beat = { v: 1, name: 'render-01', instance: 'i', host: 'h', pid: 10, workers: 2, tags: ['gpu'], startedAt: 1, at: 2, lockDurationMs: 30_000, stalledIntervalMs: 15_000, running: 0, circuits: {} };
    expect(NodeHeartbeatSchema.safeParse(beat).success).toBe(true);
    expect(NodeHeartbeatSchema.safeParse({ ...beat, workers: 0 }).success).toBe(false);
    for (const bad of ['', 'a b', '-x', 'x'.repeat(65), 'a/b']) expect(NodeNameSchema.safeParse(bad).success, bad).toBe(false);
  });
});

describe("the farm's address", () => {
  it('is redis://HOST:PORT, with at most a database number', () => {
    expect(parseFarmUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(parseFarmUrl('redis://farm.local:6380/2')).toBe('redis://farm.local:6380/2');
    for (const bad of ['127.0.0.1:6379', 'http://h:1', 'redis://h', 'redis://h:1/x']) expect(() => parseFarmUrl(bad), bad).toThrow(FarmUrlError);
  });

  it('is printed with its password masked', () => {
    expect(farmAddress('redis://:secret@h:6379')).toBe('redis://:***@h:6379');
    expect(farmAddress('redis://h:6379')).toBe('redis://h:6379');
  });
});
