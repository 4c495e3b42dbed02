/**
 * The example projects in resources/examples load as they ship and render through the CLI with
 * real ffmpeg (draft quality, short shots), so the README's command is known to work.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { probe } from '../src-main/engine/ffprobe.ts';
import { exportPaths } from '../src-main/engine/pipeline.ts';
import { loadProject } from '../src-main/engine/project-io.ts';
import { runCliAsync } from './cli-process.ts';

const picturesExample = fileURLToPath(new URL('../resources/examples/pictures/project.json', import.meta.url));

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-example-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('resources/examples/pictures', () => {
  it('loads: every keyframe is a picture inside the folder, each small enough to ship', async () => {
    const loaded = await loadProject(picturesExample);
    const images = loaded.project.shots.flatMap((shot) => shot.keyframes.flatMap((k) => ('image' in k ? [k.image] : [])));
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const image of images) expect(statSync(loaded.resolveAsset(image)).size).toBeLessThan(300 * 1024);
    // Every picture in the folder is used, so none ships for nothing.
    expect(readdirSync(join(loaded.baseDir, 'pictures')).map((f) => `pictures/${f}`).sort()).toEqual([...new Set(images)].sort());
  });

  it('renders at draft quality through the CLI: JSON lines only, one verified output per shot', async () => {
    const { project } = await loadProject(picturesExample);
    const result = await runCliAsync(['render', picturesExample, '--out', 'out', '--quality', 'draft', '--json'], dir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; ok?: boolean });
    expect(lines.at(-1)).toMatchObject({ type: 'summary', ok: true });
    for (const shot of project.shots) {
      const reading = await probe(exportPaths(shot, join(dir, 'out')).output);
      expect([reading.width, reading.height]).toEqual([shot.resolution.width, shot.resolution.height]);
      expect(reading.frames).toBe(Math.round(shot.duration * shot.fps));
    }
  }, 150_000);
});
