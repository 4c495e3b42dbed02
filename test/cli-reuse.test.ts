// `storycore render` and the chunk store (the real CLI in a child process, real ffmpeg): a second
// render of the same project reuses it and says how much, --no-reuse renders everything and says
// so, and --out still holds only what was rendered.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { frameMd5s } from './engine/chunks/ffmpeg-support.ts';
import { runCliAsync } from './cli-process.ts';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-cli-reuse-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const project = {
  version: 1,
  name: 'reuse',
  quality: 'draft',
  shots: [
    { id: 'a', duration: 1, fps: 12, resolution: { width: 96, height: 54 }, keyframes: [{ generator: 'testsrc2' }], interpolation: { sourceFps: 6 } },
    { id: 'b', duration: 1, fps: 12, resolution: { width: 96, height: 54 }, keyframes: [{ generator: 'mandelbrot' }], interpolation: { sourceFps: 6 } },
  ],
};

type Line = { type: string; [field: string]: unknown };
const jsonLines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);

describe('storycore render with the chunk store', () => {
  it('reuses a rendered project the second time and says how much; --no-reuse renders all again and says so', async () => {
    writeFileSync(join(dir, 'project.json'), JSON.stringify(project));
    const store = ['--chunk-store', 'store'];
    const first = await runCliAsync(['render', 'project.json', '--out', 'out', ...store], dir);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/✓ a: .*a\.mp4 \(reused 0 of 3 chunks, ≈ 0\.0 s of rendering saved\)/);
    expect(first.stdout).toMatch(/chunk store: reused 0 of 6 chunks/);

    const second = await runCliAsync(['render', 'project.json', '--out', 'again', ...store], dir);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/a: reused export \(mp4\) from the chunk store/);
    expect(second.stdout).toMatch(/✓ a: .*a\.mp4 \(reused 1 of 1 chunks, ≈ \d+\.\d s of rendering saved\)/);
    expect(second.stdout).toMatch(/chunk store: reused 2 of 2 chunks, ≈ \d+\.\d s of rendering saved/);
    expect(Number(/chunk store: reused 2 of 2 chunks, ≈ (\d+\.\d) s/.exec(second.stdout)![1])).toBeGreaterThan(0);
    expect(await frameMd5s(join(dir, 'again', 'a.mp4'))).toEqual(await frameMd5s(join(dir, 'out', 'a.mp4')));

    const full = await runCliAsync(['render', 'project.json', '--out', 'full', '--json', '--no-reuse', ...store], dir);
    expect(full.status, full.stderr).toBe(0);
    const lines = jsonLines(full.stdout);
    expect(lines.filter((l) => l.type === 'chunk' && l.outcome === 'reused')).toEqual([]);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({ type: 'summary', reuse: { read: false, reused: 0, rendered: 6 }, shots: [{ shotId: 'a', reuse: { read: false, reused: 0, rendered: 3 } }, { shotId: 'b' }] });
    // --out holds what was rendered, nothing else; the store is where it was told to be.
    for (const out of ['out', 'again', 'full']) expect(readdirSync(join(dir, out)).sort()).toEqual(['a.json', 'a.mp4', 'b.json', 'b.mp4']);
    expect(readdirSync(join(dir, 'store')).sort()).toEqual(['entries', 'incoming', 'pins', 'plans']);
    expect(readdirSync(join(dir, 'store', 'pins')), 'a finished run holds nothing against eviction').toEqual([]);
  }, 240_000);

  it('--help names the reuse options and the default store', async () => {
    const help = await runCliAsync(['render', '--help'], dir);
    expect(help.stdout).toContain('--no-reuse');
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/--chunk-store <dir> where finished chunks are kept for the next render \(default: \S*storycore[/\\]chunks\)/);
  });
});
