/**
 * A finished render's thumbnail for the queue: a small JPEG of its middle frame, written beside the
 * output as "<stem>.thumb.jpg" so the media doors serve it from the job's own render folder.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { probe } from '../engine/ffprobe.ts';
import { makeThumbnail } from './asset-store.ts';

export const THUMBNAIL_SUFFIX = '.thumb.jpg';

/** Where the thumbnail of `output` goes: beside it, under the output's own stem. */
export function outputThumbnailPath(output: string): string {
  const name = basename(output);
  const stem = name.endsWith('_frames') ? name.slice(0, -'_frames'.length) : name.slice(0, name.length - extname(name).length);
  return join(dirname(output), `${stem}${THUMBNAIL_SUFFIX}`);
}

/** Writes the thumbnail: the middle frame of a clip, or the middle file of a PNG sequence. */
export async function writeOutputThumbnail(output: string): Promise<string> {
  const target = outputThumbnailPath(output);
  if (/\.(mp4|webm|mov)$/i.test(output)) {
    const { duration } = await probe(output);
    await makeThumbnail(output, target, { seekSeconds: duration / 2 });
  } else {
    const frames = (await readdir(output)).filter((f) => f.endsWith('.png')).sort();
    const middle = frames[Math.floor(frames.length / 2)];
    if (!middle) throw new Error(`${output} holds no frames`);
    await makeThumbnail(join(output, middle), target);
  }
  return target;
}
