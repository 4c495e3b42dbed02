/**
 * An independent check of a finished render: ffprobe decodes every frame (-count_frames), so a
 * truncated or half-written file shows as an error or a short count, whatever the studio believes.
 */
import { spawnSync } from 'node:child_process';

export interface Decoded {
  codec: string;
  width: number;
  height: number;
  frames: number;
  /** ffprobe's complaints while decoding; empty for a sound file. */
  errors: string;
}

export function decode(path: string): Decoded {
  const result = spawnSync(
    'ffprobe',
    ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', path],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (result.status !== 0) return { codec: '', width: 0, height: 0, frames: 0, errors: result.stderr || `ffprobe exited ${result.status}` };
  const stream = (JSON.parse(result.stdout) as { streams?: Record<string, unknown>[] }).streams?.[0] ?? {};
  return {
    codec: String(stream.codec_name ?? ''),
    width: Number(stream.width ?? 0),
    height: Number(stream.height ?? 0),
    frames: Number(stream.nb_read_frames ?? 0),
    errors: result.stderr.trim(),
  };
}
