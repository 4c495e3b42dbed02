/**
 * Is this file a picture the engine can use? Asked of ffprobe before anything renders: a file that
 * is not one (a text file named .png, a video, a truncated download) is refused at validation with
 * the file named, instead of reaching ffmpeg, failing three times and showing a demuxer's riddle.
 */
import { spawn } from 'node:child_process';
import { resolveFfmpeg } from './ffmpeg-binaries.ts';

/** Still-image codecs as ffprobe names them, and the extension each is stored under. */
const IMAGE_CODECS: Readonly<Record<string, ImageFormat>> = { png: 'png', mjpeg: 'jpeg', webp: 'webp', tiff: 'tiff', bmp: 'bmp' };
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'tiff' | 'bmp';
export const IMAGE_EXTENSIONS: Readonly<Record<ImageFormat, string>> = { png: 'png', jpeg: 'jpg', webp: 'webp', tiff: 'tiff', bmp: 'bmp' };

/** Smaller than this is a mistake (an icon), larger than this would not fit a filter graph's frame. */
export const MIN_IMAGE_SIDE = 16;
export const MAX_IMAGE_SIDE = 16_384;

/** What to do about a picture that is not one, said once so every door says it alike. */
export const NOT_AN_IMAGE_FIX = 'use a PNG, JPEG, WebP, TIFF or BMP picture';

export interface ImageInfo {
  format: ImageFormat;
  width: number;
  height: number;
  /** The pixel format has an alpha channel: it must be composited, not dropped. */
  hasAlpha: boolean;
}

const PROBE_TIMEOUT_MS = 15_000;

/** Reads the file's first stream with ffprobe; a problem in words when it is not a usable still picture. */
export async function inspectImage(path: string): Promise<ImageInfo | { problem: string }> {
  // "file:" keeps a name like "-x.png" or "a:b.png" a file, never an option or a protocol.
  const args = ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,codec_type,width,height,pix_fmt:format=format_name', '-of', 'json', `file:${path}`];
  const run = await new Promise<{ code: number | string; out: string }>((resolve) => {
    const child = spawn(resolveFfmpeg().ffprobe, args, { stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true });
    const out: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', (e) => resolve({ code: e.message, out: '' }));
    child.on('close', (c, sig) => {
      clearTimeout(timer);
      resolve({ code: c ?? sig ?? -1, out: Buffer.concat(out).toString('utf8') });
    });
  });
  if (run.code !== 0) return { problem: `is not a picture (ffprobe cannot read it) — ${NOT_AN_IMAGE_FIX}` };
  let json: { streams?: { codec_name?: string; codec_type?: string; width?: number; height?: number; pix_fmt?: string }[]; format?: { format_name?: string } };
  try {
    json = JSON.parse(run.out);
  } catch {
    return { problem: `is not a picture (ffprobe's answer could not be read) — ${NOT_AN_IMAGE_FIX}` };
  }
  const stream = json.streams?.[0];
  const format = stream?.codec_name ? IMAGE_CODECS[stream.codec_name] : undefined;
  // An image demuxer ("png_pipe", "image2") holds one picture; a video container with an MJPEG stream does not.
  const still = /(_pipe|image2)/.test(json.format?.format_name ?? '');
  if (!stream || !format || !still) {
    const seen = stream?.codec_name ?? json.format?.format_name ?? 'nothing ffprobe knows';
    return { problem: `is not a picture (ffprobe reads it as ${seen}) — ${NOT_AN_IMAGE_FIX}` };
  }
  const width = Number(stream.width ?? 0);
  const height = Number(stream.height ?? 0);
  // The image2 demuxer guesses the codec from the extension: a text file named .png comes back as a
  // "png" stream with no size and no pixels.
  if (width === 0 || height === 0 || !stream.pix_fmt) return { problem: `is not a picture (its content is not ${format.toUpperCase()} data, whatever its name says) — ${NOT_AN_IMAGE_FIX}` };
  if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) return { problem: `is ${width}×${height} pixels; a picture must be at least ${MIN_IMAGE_SIDE}×${MIN_IMAGE_SIDE}` };
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE) return { problem: `is ${width}×${height} pixels; a picture may be at most ${MAX_IMAGE_SIDE} on a side — scale it down first` };
  return { format, width, height, hasAlpha: hasAlphaChannel(stream.pix_fmt ?? '') };
}

/** ffmpeg's pixel formats with alpha: rgba, bgra, argb, ya8, yuva420p, rgba64be, gbrap… (pal8 may carry it too). */
export function hasAlphaChannel(pixFmt: string): boolean {
  return /^(rgba|bgra|argb|abgr|ya|yuva|gbrap|pal8)/.test(pixFmt);
}
