/** `storycore render` and the pictures a project names: a non-picture is refused before ffmpeg, a tiny one is warned about. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writePicture } from './engine/pictures.ts';

const cli = fileURLToPath(new URL('../src-main/cli.ts', import.meta.url));
let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-cli-pictures-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000, cwd: dir });
const projectWith = (image: string, resolution = { width: 96, height: 54 }) => {
  const file = join(dir, 'project.json');
  writeFileSync(file, JSON.stringify({ version: 1, name: 'pictures', quality: 'draft', shots: [{ id: 'pic', duration: 1, fps: 12, resolution, keyframes: [{ image }], interpolation: { method: 'blend', sourceFps: 6 } }] }));
  return file;
};

describe('storycore render: pictures', () => {
  it('refuses a text file named .png at validation: exit 2, the file and the fix named, nothing written', () => {
    writeFileSync(join(dir, 'notes.png'), '1\n00:00:01,000 --> 00:00:02,000\nnot a picture\n');
    const result = run('render', projectWith('notes.png'), '--out', join(dir, 'out'));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/shots\[0\]\.keyframes\[0\]\.image: notes\.png is not a picture .*use a PNG, JPEG, WebP, TIFF or BMP picture/);
    expect(result.stderr).not.toMatch(/tedcaptions|attempt/);
    expect(readdirSync(dir).sort()).toEqual(['notes.png', 'project.json']);
  });

  it('warns before rendering when a picture is much smaller than the shot (--json: a warning object)', () => {
    writePicture(join(dir, 'tiny.png'), '32x18');
    const result = run('render', projectWith('tiny.png', { width: 192, height: 108 }), '--out', join(dir, 'out'), '--json');
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; message?: string });
    const warning = lines.findIndex((l) => l.type === 'warning');
    expect(lines[warning]?.message).toMatch(/tiny\.png: the picture is 32×18, much smaller than the shot's 192×108/);
    expect(warning).toBeLessThan(lines.findIndex((l) => l.type === 'summary'));
  });
});
