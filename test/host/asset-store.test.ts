/** The asset store with the real ffprobe: only pictures are kept, by the hash of their bytes. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../../src-main/engine/ffmpeg-binaries.ts';
import { smallSourceWarning } from '../../src-main/engine/source-size.ts';
import { AssetStore } from '../../src-main/host/asset-store.ts';
import { openStudio } from './helpers.ts';

const root = mkdtempSync(join(tmpdir(), 'storycore-assets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A picture made by ffmpeg, so the test needs no binary files of its own. */
function picture(name: string, size: string, source = 'testsrc2', pixFmt = 'rgb24'): string {
  const path = join(root, name);
  execFileSync(resolveFfmpeg().ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `${source}${source.includes('=') ? ':' : '='}s=${size}`, '-frames:v', '1', '-pix_fmt', pixFmt, path]);
  return path;
}

describe('the asset store', () => {
  const store = new AssetStore(join(root, 'data'));

  it('keeps a real PNG under its sha256, with its size, alpha and a thumbnail', async () => {
    const kept = await store.importFile(picture('a.png', '320x240', 'color=c=red@0.5', 'rgba'), 'a.png');
    if ('problem' in kept) throw new Error(kept.problem);
    expect(kept.id).toMatch(/^[0-9a-f]{64}$/);
    expect(kept).toMatchObject({ name: 'a.png', format: 'png', width: 320, height: 240, hasAlpha: true, fileName: `${kept.id}.png` });
    expect(existsSync(kept.file)).toBe(true);
    expect(await store.thumbnailOf(kept.id)).toBeDefined();
    expect((await store.find(kept.id))?.file).toBe(kept.file);
  });

  it('refuses a text file named .png, naming the file, and keeps nothing of it', async () => {
    const fake = join(root, 'notes.png');
    writeFileSync(fake, 'hello: this is not a picture at all, 1234567890\n');
    mkdirSync(store.dir, { recursive: true });
    const before = readdirSync(store.dir).length;
    const kept = await store.importFile(fake, 'notes.png');
    expect(kept).toEqual({ problem: expect.stringMatching(/^notes\.png is not a picture .*PNG, JPEG/) });
    expect(readdirSync(store.dir).length).toBe(before);
    expect(readdirSync(store.incomingDir)).toEqual([]);
  });

  it('refuses a video and a picture below the smallest size', async () => {
    const clip = join(root, 'clip.mp4');
    execFileSync(resolveFfmpeg().ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=64x64:d=0.5', '-pix_fmt', 'yuv420p', clip]);
    expect(await store.importFile(clip, 'clip.mp4')).toEqual({ problem: expect.stringContaining('clip.mp4 is not a picture') });
    expect(await store.importFile(picture('dot.png', '8x8'), 'dot.png')).toEqual({ problem: expect.stringContaining('at least 16×16') });
  });

  it('stores the same bytes once, whatever they are called', async () => {
    const first = await store.importFile(picture('b.jpg', '200x100'), 'b.jpg');
    const again = await store.importFile(join(root, 'b.jpg'), 'copy of b.jpg');
    if ('problem' in first || 'problem' in again) throw new Error('refused');
    expect(again.id).toBe(first.id);
    expect(again.name).toBe('copy of b.jpg');
    expect(first.format).toBe('jpeg');
    expect(readdirSync(store.dir).filter((f) => f.startsWith(first.id) && f.endsWith('.jpg') && !f.includes('thumb'))).toHaveLength(1);
  });

  it('finds no picture for an unknown or malformed id', async () => {
    expect(await store.find('0'.repeat(64))).toBeUndefined();
    expect(await store.find('../studio.db')).toBeUndefined();
  });

  it('warns about a picture much smaller than the shot, and only then', () => {
    expect(smallSourceWarning({ width: 100, height: 80 }, { width: 1920, height: 1080 })).toMatch(/100×80, much smaller than the shot's 1920×1080/);
    expect(smallSourceWarning({ width: 960, height: 540 }, { width: 1920, height: 1080 })).toBeUndefined();
  });
});

describe('uploads a dead host was receiving', () => {
  it('are deleted when the next host opens the data folder, kept pictures are not, and the recovery is audited', async () => {
    const dataDir = join(root, 'crashed');
    const store = new AssetStore(dataDir);
    const kept = await store.importFile(picture('kept.png', '64x64'), 'kept.png');
    if ('problem' in kept) throw new Error(kept.problem);
    // What a host killed mid-upload leaves: a half-written upload and the thumbnail drafted beside it.
    mkdirSync(store.incomingDir, { recursive: true });
    writeFileSync(join(store.incomingDir, 'cut-short.part'), Buffer.alloc(4096, 7));
    writeFileSync(join(store.incomingDir, 'cut-short.part.thumb.jpg'), Buffer.alloc(512, 1));
    const { studio, cleanup } = await openStudio({ dataDir });
    try {
      expect(readdirSync(store.incomingDir)).toEqual([]);
      expect(await store.find(kept.id)).toMatchObject({ id: kept.id, width: 64 });
      expect(studio.snapshot().audit.find((e) => e.action === 'recover')).toMatchObject({ actor: 'system', detail: { discardedUploads: 2 } });
    } finally {
      await cleanup();
    }
  });
});
