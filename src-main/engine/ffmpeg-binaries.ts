/**
 * Which ffmpeg and ffprobe binaries run: FFMPEG_PATH / FFPROBE_PATH, ffmpeg-static when it is
 * installed, else whatever PATH finds.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';

export interface ResolvedBinaries {
  ffmpeg: string;
  ffprobe: string;
  /** Where the ffmpeg binary came from. */
  source: 'env' | 'ffmpeg-static' | 'path';
}

export interface ResolveDeps {
  /** ffmpeg-static's exported path, or null when the package (or its binary) is absent. */
  ffmpegStaticPath?: () => string | null;
  exists?: (path: string) => boolean;
}

let staticPath: string | null | undefined;

/**
 * ffmpeg-static is an optionalDependency whose install fails offline, so its absence is normal.
 * Looked up once: a package does not come or go while the app runs.
 */
function loadFfmpegStaticPath(): string | null {
  if (staticPath !== undefined) return staticPath;
  try {
    const exported: unknown = createRequire(import.meta.url)('ffmpeg-static');
    staticPath = typeof exported === 'string' ? exported : null;
  } catch {
    staticPath = null;
  }
  return staticPath;
}

/**
 * FFMPEG_PATH, then ffmpeg-static (if its binary really exists), then `ffmpeg` on PATH.
 * ffprobe: FFPROBE_PATH, then an ffprobe beside the chosen ffmpeg, then `ffprobe` on PATH.
 */
export function resolveFfmpeg(env: NodeJS.ProcessEnv = process.env, deps: ResolveDeps = {}): ResolvedBinaries {
  const exists = deps.exists ?? existsSync;
  let ffmpeg = 'ffmpeg';
  let source: ResolvedBinaries['source'] = 'path';
  const fromStatic = (deps.ffmpegStaticPath ?? loadFfmpegStaticPath)();
  // Inside a packaged Electron app the binary cannot run from within the asar archive; the
  // packager unpacks it beside the archive, so point at the unpacked copy.
  const unpacked = fromStatic?.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
  if (env.FFMPEG_PATH) {
    ffmpeg = env.FFMPEG_PATH;
    source = 'env';
  } else if (unpacked && exists(unpacked)) {
    ffmpeg = unpacked;
    source = 'ffmpeg-static';
  }
  let ffprobe = 'ffprobe';
  // A beside-ffmpeg lookup only makes sense for a path; a bare name is resolved by PATH anyway.
  const beside = ffmpeg.includes('/') || ffmpeg.includes('\\') ? join(dirname(ffmpeg), `ffprobe${extname(ffmpeg)}`) : null;
  if (env.FFPROBE_PATH) ffprobe = env.FFPROBE_PATH;
  else if (beside && exists(beside)) ffprobe = beside;
  return { ffmpeg, ffprobe, source };
}
