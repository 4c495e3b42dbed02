import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../src-main/engine/project-io.ts';
import { ProjectError } from '../../src-main/engine/model.ts';
import { writePicture } from './pictures.ts';

const root = mkdtempSync(join(tmpdir(), 'storycore-project-io-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function projectWithImage(folder: string, image: string): string {
  const shot = { id: 'a', duration: 1, fps: 12, resolution: { width: 64, height: 64 }, keyframes: [{ image }], camera: { movement: 'static' }, interpolation: { method: 'duplicate' }, export: { format: 'mp4' } };
  const file = join(folder, 'project.json');
  writeFileSync(file, JSON.stringify({ version: 1, name: 'links', shots: [shot] }));
  return file;
}

describe('loadProject and symlinks', () => {
  it('refuses a keyframe image that is a link leading out of the project folder, naming the keyframe', async () => {
    const outside = join(root, 'outside.png');
    writeFileSync(outside, 'not really a png');
    const folder = join(root, 'escape');
    mkdirSync(folder);
    symlinkSync(outside, join(folder, 'frame.png'));
    const error = await loadProject(projectWithImage(folder, 'frame.png')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectError);
    expect((error as ProjectError).problems).toEqual([expect.stringMatching(/^shots\[0\]\.keyframes\[0\]\.image: "frame\.png" is a link that leads out of the project folder/)]);
  });

  it('accepts a link that stays inside the folder', async () => {
    const folder = join(root, 'inside');
    mkdirSync(join(folder, 'art'), { recursive: true });
    writePicture(join(folder, 'art', 'real.png'));
    symlinkSync(join(folder, 'art', 'real.png'), join(folder, 'frame.png'));
    await expect(loadProject(projectWithImage(folder, 'frame.png'))).resolves.toMatchObject({ project: { name: 'links' } });
  });
});
