/** Real pictures for fixtures, made by ffmpeg: a keyframe file must now be an image, not a placeholder. */
import { execFileSync } from 'node:child_process';
import { resolveFfmpeg } from '../../src-main/engine/ffmpeg-binaries.ts';

/** Writes a still of `source` (a lavfi source, e.g. testsrc2) at `size` to `path` (its extension picks the format). */
export function writePicture(path: string, size = '64x64', source = 'testsrc2'): string {
  execFileSync(resolveFfmpeg().ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `${source}${source.includes('=') ? ':' : '='}s=${size}`, '-frames:v', '1', path]);
  return path;
}
