/**
 * Pictures an artist brought in (uploaded in serve mode, picked in the desktop's open dialog), kept
 * in the data folder under the sha256 of their bytes: the same picture twice is stored once, and an
 * id can never name anything but the picture it was made from. Each is checked with ffprobe before
 * it is kept, and gets a small JPEG thumbnail for the shot form.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { streamDigest } from '../engine/chunk-store/store-key.ts';
import { resolveFfmpeg } from '../engine/ffmpeg-binaries.ts';
import { ASSET_PREFIX } from '../engine/model.ts';
import { alphaCompositeFilter } from '../engine/stages/alpha.ts';
import { IMAGE_EXTENSIONS, type ImageFormat, type ImageInfo, inspectImage } from '../engine/image-check.ts';

export const ASSET_ID = /^[0-9a-f]{64}$/;
/** Largest picture accepted: a 16k × 16k PNG is larger, but no artist's keyframe needs to be. */
export const MAX_ASSET_BYTES = 64 * 1024 * 1024;
export const THUMBNAIL_WIDTH = 160;

export interface StoredAsset extends ImageInfo {
  /** The sha256 of the bytes, hex: what a keyframe names as "asset:<id>". */
  id: string;
  /** The file name it came with, for the form to show (never used as a path). */
  name: string;
  /** The stored picture. */
  file: string;
  /** The stored picture's name inside the assets folder, e.g. "<id>.png". */
  fileName: string;
}

/** `name`: the file name it first came with (the same bytes uploaded again keep it); older records have none. */
type AssetRecord = ImageInfo & { fileName: string; name?: string };

export function assetsDir(dataDir: string): string {
  return join(dataDir, 'assets');
}

export class AssetStore {
  readonly dir: string;
  /** Uploads land here first: the same file system as the store, so keeping one is a rename. */
  readonly incomingDir: string;

  constructor(dataDir: string) {
    this.dir = assetsDir(dataDir);
    this.incomingDir = join(this.dir, 'incoming');
  }

  /** A fresh path in the incoming folder for an upload to be streamed to. */
  async incomingPath(): Promise<string> {
    await mkdir(this.incomingDir, { recursive: true });
    return join(this.incomingDir, `${randomUUID()}.part`);
  }

  /**
   * Deletes what uploads left in the incoming folder when a host died mid-upload. Only the host that
   * holds the data folder calls it, at start, when no upload of its own can be under way.
   * Answers how many files it deleted.
   */
  async sweepIncoming(): Promise<number> {
    const left = await readdir(this.incomingDir).catch(() => [] as string[]);
    await Promise.all(left.map((name) => rm(join(this.incomingDir, name), { recursive: true, force: true })));
    return left.length;
  }

  /**
   * Checks a received file and keeps it: moved (never copied) into the store, or deleted when it is
   * not a picture or is already there. `name` is what the file was called where it came from.
   */
  async keep(received: string, name: string): Promise<StoredAsset | { problem: string }> {
    // ffprobe decodes the whole picture to check it, and the thumbnail decodes it again: on a
    // 12-megapixel PNG that is 150 and 270 ms, one after the other; so the opaque thumbnail is drafted
    // next to the check and the hash, and kept when the check agrees (almost every picture is
    // opaque; a transparent one is drawn again over the background). A refused file stops it.
    const draft = `${received}.thumb.jpg`;
    const stopDraft = new AbortController();
    const drafted = makeThumbnail(received, draft, { signal: stopDraft.signal }).then(
      () => true,
      () => false,
    );
    try {
      const [info, id] = await Promise.all([
        inspectImage(received).then((checked) => {
          if ('problem' in checked) stopDraft.abort();
          return checked;
        }),
        streamDigest(received),
      ]);
      if ('problem' in info) return { problem: `${name} ${info.problem}` };
      const fileName = `${id}.${IMAGE_EXTENSIONS[info.format]}`;
      const file = join(this.dir, fileName);
      const opaqueDrafted = await drafted;
      const already = await stat(file).catch(() => undefined);
      if (already?.isFile()) await rm(received, { force: true });
      else await rename(received, file);
      if (!(await this.thumbnailOf(id))) {
        if (opaqueDrafted && !info.hasAlpha) await rename(draft, this.thumbnailPath(id));
        else await makeThumbnail(file, this.thumbnailPath(id), { transparent: info.hasAlpha });
      }
      const firstName = (await this.find(id))?.name ?? name;
      const record: AssetRecord = { ...info, fileName, name: firstName };
      await writeFile(join(this.dir, `${id}.json`), JSON.stringify(record));
      return { ...record, id, name, file };
    } finally {
      stopDraft.abort();
      await drafted;
      await Promise.all([rm(received, { force: true }), rm(draft, { force: true })]);
    }
  }

  /** A picture from this machine's disk (the desktop's open dialog): copied in, then kept like an upload. */
  async importFile(path: string, name: string): Promise<StoredAsset | { problem: string }> {
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return { problem: `${name} is not a file` };
    if (info.size > MAX_ASSET_BYTES) return { problem: `${name} is ${Math.round(info.size / 1024 / 1024)} MiB; a picture may be at most ${MAX_ASSET_BYTES / 1024 / 1024} MiB` };
    const incoming = await this.incomingPath();
    await copyFile(path, incoming);
    return this.keep(incoming, name);
  }

  /** The id of a picture by its name in the store ("<id>.png", as `keep` names it); undefined for any other name. */
  static idOfStoredName(fileName: string): string | undefined {
    const [id, ext, ...rest] = fileName.split('.');
    return id !== undefined && ASSET_ID.test(id) && ext !== undefined && /^[a-z]+$/.test(ext) && rest.length === 0 ? id : undefined;
  }

  /** The stored picture an id names, or undefined when there is none (never uploaded, or cleaned away). */
  async find(id: string): Promise<(AssetRecord & { id: string; file: string }) | undefined> {
    if (!ASSET_ID.test(id)) return undefined;
    try {
      const record = JSON.parse(await readFile(join(this.dir, `${id}.json`), 'utf8')) as AssetRecord;
      const file = join(this.dir, record.fileName);
      if (!record.fileName.startsWith(id) || !(await stat(file)).isFile()) return undefined;
      return { ...record, id, file };
    } catch {
      return undefined;
    }
  }

  thumbnailPath(id: string): string {
    return join(this.dir, `${id}.thumb.jpg`);
  }

  /** The thumbnail's path when the id is well-formed and it exists. */
  async thumbnailOf(id: string): Promise<string | undefined> {
    if (!ASSET_ID.test(id)) return undefined;
    const path = this.thumbnailPath(id);
    return (await stat(path).catch(() => undefined))?.isFile() ? path : undefined;
  }
}

export function isAssetImage(image: string): boolean {
  return image.startsWith(ASSET_PREFIX);
}

/**
 * A small JPEG of a picture or of a video's frame at `seekSeconds`, `THUMBNAIL_WIDTH` wide.
 */
export async function makeThumbnail(source: string, target: string, options: { seekSeconds?: number; transparent?: boolean; signal?: AbortSignal } = {}): Promise<void> {
  const seek = options.seekSeconds ? ['-ss', options.seekSeconds.toFixed(3)] : [];
  // A transparent picture is shown as it will render: over the default black background.
  const filter = `${options.transparent ? `${alphaCompositeFilter()},` : ''}scale=${THUMBNAIL_WIDTH}:-2:flags=bicubic,format=yuvj420p`;
  const args = ['-v', 'error', '-y', ...seek, '-i', `file:${source}`, '-frames:v', '1', '-vf', filter, '-f', 'mjpeg', `file:${target}.part`];
  const code = await new Promise<number | string>((resolve) => {
    const child = spawn(resolveFfmpeg().ffmpeg, args, { stdio: 'ignore', windowsHide: true, signal: options.signal, killSignal: 'SIGKILL' });
    child.on('error', (e) => resolve(e.message));
    child.on('close', (c, sig) => resolve(c ?? sig ?? -1));
  });
  if (code !== 0) {
    await rm(`${target}.part`, { force: true });
    throw new Error(`could not make a thumbnail of ${source} (ffmpeg exited ${code})`);
  }
  await rename(`${target}.part`, target);
}

export type { ImageFormat };
