/** Inline projects whose keyframes are uploaded pictures ("asset:<id>"), and pictures that are not pictures. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../../src-main/engine/ffmpeg-binaries.ts';
import { AssetStore } from '../../src-main/host/asset-store.ts';
import { outputThumbnailPath } from '../../src-main/host/output-thumbnail.ts';
import { cleanupAfterEach, openStudio, tinyProject, until } from './helpers.ts';

const handOver = cleanupAfterEach();

function makePicture(path: string, size = '192x108'): string {
  execFileSync(resolveFfmpeg().ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=${size}`, '-frames:v', '1', path]);
  return path;
}

describe('uploaded pictures as keyframes', () => {
  it('estimates, queues and renders a shot whose keyframes are uploaded pictures', async () => {
    const { studio, dataDir, send, job, cleanup } = await openStudio();
    handOver(cleanup);
    const kept = await new AssetStore(dataDir).importFile(makePicture(join(dataDir, 'upload.png')), 'upload.png');
    if ('problem' in kept) throw new Error(kept.problem);
    const project = tinyProject(['pictured'], { keyframes: [{ image: `asset:${kept.id}` }, { image: `asset:${kept.id}` }], camera: { movement: 'zoom' }, duration: 2 });
    const [estimate] = await send({ type: 'estimate', project });
    expect(estimate!.refusal).toBeUndefined();
    const [queued] = await send({ type: 'enqueue', project });
    const done = await until(() => (job(queued!.id).status === 'done' || job(queued!.id).status === 'failed') && job(queued!.id), 60_000, 'job ended');
    expect(done.error).toBeNull();
    expect(done.status).toBe('done');
    expect(existsSync(done.output!)).toBe(true);
    // Its queue thumbnail: the middle frame, beside the output.
    expect(existsSync(outputThumbnailPath(done.output!))).toBe(true);
    expect(studio.queue.get(queued!.id)).toBeDefined();
    // The job detail names the pictures by the file names they came with, not by their hashes.
    const detail = await send({ type: 'jobDetail', jobId: queued!.id });
    expect(detail.spec?.keyframes).toEqual(['picture upload.png', 'picture upload.png']);
  });

  it('refuses an unknown asset id, naming the keyframe and the fix, and a path in an inline project', async () => {
    const { studio, cleanup } = await openStudio();
    handOver(cleanup);
    const unknown = await studio.execute({ type: 'enqueue', project: tinyProject(['a'], { keyframes: [{ image: `asset:${'a'.repeat(64)}` }] }) }, 'tester');
    expect(unknown).toEqual({ ok: false, error: { code: 'invalid', message: expect.stringMatching(/^project\.shots\[0\]\.keyframes\[0\]\.image: .*upload the picture again$/) } });
    const path = await studio.execute({ type: 'estimate', project: tinyProject(['a'], { keyframes: [{ image: 'pictures/a.png' }] }) }, 'tester');
    expect(path).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringContaining('upload the picture') } });
    const malformed = await studio.execute({ type: 'enqueue', project: tinyProject(['a'], { keyframes: [{ image: 'asset:xyz' }] }) }, 'tester');
    expect(malformed).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringContaining('64 hex digits') } });
  });

  it('refuses a project file whose picture is not one, at validation, naming the keyframe and the fix', async () => {
    const { studio, dataDir, cleanup } = await openStudio();
    handOver(cleanup);
    const folder = join(dataDir, 'project');
    mkdirSync(join(folder, 'pictures'), { recursive: true });
    writeFileSync(join(folder, 'pictures', 'a.png'), '1\n00:00:01,000 --> 00:00:02,000\nhello\n');
    writeFileSync(join(folder, 'project.json'), JSON.stringify(tinyProject(['a'], { keyframes: [{ image: 'pictures/a.png' }] })));
    const reply = await studio.execute({ type: 'enqueue', projectPath: join(folder, 'project.json') }, 'tester');
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringMatching(/shots\[0\]\.keyframes\[0\]\.image: pictures\/a\.png is not a picture .*PNG, JPEG/) } });
    expect(studio.queue.list({ limit: 10 })).toEqual([]);
  });
});
