/**
 * Where a farmed chunk's files are: every file of each kind of task, the shared-folder check that
 * both sides apply, the attempt folders, and accepting one attempt (a file or a png sequence's
 * folder) while the chunk's other attempts, and other chunks', are handled apart.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StageTask } from '../../src-main/engine/tasks.ts';
import { acceptAttempt, attemptOutput, attemptsFolder, chunkFiles, discardAttempts, forAttempt, isInside, outsideShared } from '../../src-main/farm/chunk-files.ts';
import { frameTask } from '../fixtures/stage-tasks.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'storycore-chunk-files-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

const ID = '2b1f0c1e-8f7a-4d3b-9c2e-5a6b7c8d9e0f';

describe('a chunk task\'s files', () => {
  it('names every input and the output of each kind of task', () => {
    const base = { shotId: 's', quality: 'draft' as const, output: '/shared/out.mkv' };
    const tasks: Array<[StageTask, string[]]> = [
      [{ ...frameTask('/shared', 'seg'), keyframe: { image: '/shared/pic.png' } }, ['/shared/pic.png']],
      [frameTask('/shared', 'gen'), []],
      [{ ...base, stage: 'export', kind: 'encode_chunk', index: 0, input: '/shared/i.mkv', format: 'mp4', fps: 24, start: 0, end: 3 }, ['/shared/i.mkv']],
      [{ ...base, stage: 'export', kind: 'concat', inputs: ['/shared/a.mp4', '/shared/b.mp4'], container: 'mp4', frames: 6 }, ['/shared/a.mp4', '/shared/b.mp4']],
      [{ ...base, stage: 'export', input: '/shared/i.mkv', format: 'mp4', width: 8, height: 8, fps: 24, frames: 6, chunks: ['/shared/c0.mp4', '/shared/c1.mp4'] }, ['/shared/i.mkv', '/shared/c0.mp4', '/shared/c1.mp4']],
    ];
    for (const [task, inputs] of tasks) expect(chunkFiles(task).inputs).toEqual(inputs);
  });

  it('is inside the shared folder only when every file is, with no way out by ..', () => {
    expect(isInside('/shared', '/shared/a/b.mkv')).toBe(true);
    expect(isInside('/shared', '/shared')).toBe(false);
    expect(isInside('/shared', '/shared/../etc/passwd')).toBe(false);
    expect(isInside('/shared', '/sharedness/x')).toBe(false);
    expect(isInside('/shared', 'relative/x')).toBe(false);
    const task = { ...frameTask('/shared', 'seg'), keyframe: { image: '/elsewhere/pic.png' } };
    expect(outsideShared(task, '/shared')).toBe('/elsewhere/pic.png');
    expect(outsideShared(frameTask('/shared', 'seg'), '/shared')).toBeUndefined();
  });

  it("writes each attempt into its own folder, keeping the output's name (ffmpeg reads the container from it)", () => {
    const task = forAttempt(frameTask(join(dir, 'work'), 'seg'), ID, 3);
    expect(task.output).toBe(join(dir, 'work', '.farm', `${ID}.3`, 'seg.mkv'));
    expect(attemptsFolder(join(dir, 'work', 'seg.mkv'))).toBe(join(dir, 'work', '.farm'));
  });
});

describe('accepting an attempt', () => {
  it('renames its file into place and removes the chunk\'s other attempts, but not other chunks\'', async () => {
    const output = join(dir, 'work', 'seg.mkv');
    for (const attempt of [1, 2]) {
      mkdirSync(dirname(attemptOutput(output, ID, attempt)), { recursive: true });
      writeFileSync(attemptOutput(output, ID, attempt), `attempt ${attempt}`);
    }
    const other = attemptOutput(join(dir, 'work', 'other.mkv'), 'another-chunk', 1);
    mkdirSync(dirname(other), { recursive: true });
    writeFileSync(other, 'other');
    await acceptAttempt(output, ID, 2);
    expect(readFileSync(output, 'utf8')).toBe('attempt 2');
    expect(existsSync(dirname(attemptOutput(output, ID, 1)))).toBe(false);
    expect(existsSync(other)).toBe(true);
    await discardAttempts(join(dir, 'work', 'other.mkv'), 'another-chunk');
    expect(existsSync(attemptsFolder(output))).toBe(false);
  });

  it('moves a png sequence folder into place, replacing an older one', async () => {
    const output = join(dir, 'out', 'shot_frames');
    mkdirSync(output, { recursive: true });
    writeFileSync(join(output, 'old.png'), 'old');
    const attempt = attemptOutput(output, ID, 1);
    mkdirSync(attempt, { recursive: true });
    writeFileSync(join(attempt, '000001.png'), 'new');
    await acceptAttempt(output, ID, 1);
    expect(existsSync(join(output, '000001.png'))).toBe(true);
    expect(existsSync(join(output, 'old.png'))).toBe(false);
  });
});
