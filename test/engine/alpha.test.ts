/** Transparency composited over the shot's background, checked with the real ffmpeg on a generated RGBA picture. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveFfmpeg } from '../../src-main/engine/ffmpeg-binaries.ts';
import { alphaCompositeFilter } from '../../src-main/engine/stages/alpha.ts';
import { runStage } from '../../src-main/engine/stages/run-stage.ts';
import { frameTask } from '../fixtures/stage-tasks.ts';

const dir = mkdtempSync(join(tmpdir(), 'storycore-alpha-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ffmpeg = resolveFfmpeg().ffmpeg;

/**
 * 64×32: the left half fully transparent, its hidden colour striped row by row (what shows as bands
 * when alpha is dropped), the right half opaque red.
 */
const picture = join(dir, 'half.png');
execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', "color=c=black:s=64x32,format=rgba,geq=r='if(lt(X,32),255*mod(Y,2),255)':g='if(lt(X,32),255*mod(Y+1,2),0)':b='0':a='if(lt(X,32),0,255)'", '-frames:v', '1', picture]);

/** The picture through the fragment and the frame stage's kind of chain, as rgb24 pixels. */
function rendered(filter: string): Buffer {
  return execFileSync(ffmpeg, ['-v', 'error', '-i', picture, '-vf', `${filter}scale=128:64:flags=bicubic,format=yuv444p,format=rgb24`, '-f', 'rawvideo', '-']);
}
const pixel = (frame: Buffer, x: number, y: number) => [...frame.subarray((y * 128 + x) * 3, (y * 128 + x) * 3 + 3)];
const near = (a: number[], b: number[], tolerance = 6) => a.every((v, i) => Math.abs(v - b[i]!) <= tolerance);

describe('alpha compositing', () => {
  it('turns every transparent pixel into the background colour, with no bands, and keeps opaque ones', () => {
    const frame = rendered(`${alphaCompositeFilter('#3366ff')},`);
    const wrong: string[] = [];
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 128; x++) {
        if (x >= 60 && x <= 67) continue; // the scaled edge between the halves blends them
        const expected = x < 64 ? [0x33, 0x66, 0xff] : [255, 0, 0];
        if (!near(pixel(frame, x, y), expected)) wrong.push(`${x},${y}: ${pixel(frame, x, y).join(' ')}`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('is black unless the shot sets a background', () => {
    expect(near(pixel(rendered(`${alphaCompositeFilter()},`), 10, 10), [0, 0, 0])).toBe(true);
  });

  it('shows why: without it, the transparent half is the hidden stripes', () => {
    const frame = rendered('');
    const reds = Array.from({ length: 64 }, (_, y) => pixel(frame, 10, y)[0]!);
    expect(Math.max(...reds) - Math.min(...reds)).toBeGreaterThan(100);
  });

  it('is what the frame stage does with a picture: its transparent half comes out as the shot background', async () => {
    const task = { ...frameTask(dir, 'alpha-segment', undefined, { width: 128, height: 64, frames: 2 }), keyframe: { image: picture }, background: '#3366ff', quality: 'standard' as const };
    await runStage(task, { signal: new AbortController().signal });
    const frame = execFileSync(ffmpeg, ['-v', 'error', '-i', task.output, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
    const left = Array.from({ length: 56 }, (_, y) => pixel(frame, 12, y + 4));
    // yuv420p rounds colours a little; the stripes it would otherwise show differ by 255.
    expect(left.filter((p) => !near(p, [0x33, 0x66, 0xff], 12)).slice(0, 3)).toEqual([]);
    expect(near(pixel(frame, 110, 30), [255, 0, 0], 24)).toBe(true);
  });

  it('refuses a colour or a label that is not one', () => {
    expect(() => alphaCompositeFilter("#fff';movie=x")).toThrow(/hex colour/);
    expect(() => alphaCompositeFilter('#000000', 'a]b')).toThrow(/label/);
  });
});
