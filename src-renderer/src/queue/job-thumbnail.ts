/**
 * Where a finished job's thumbnail is loaded from: the host writes "<stem>.thumb.jpg" beside the
 * output, in the job's render folder, which both media doors serve (serve mode's /media/render/
 * route, the desktop's storycore-media: protocol).
 */
import type { Job } from '../../../src-preload/contract.ts';

export function outputThumbnailUrl(job: Pick<Job, 'id' | 'status' | 'output'>, host: 'electron' | 'browser'): string | null {
  if (job.status !== 'done' || !job.output) return null;
  const name = job.output.split(/[\\/]/).pop() ?? '';
  const stem = name.endsWith('_frames') ? name.slice(0, -'_frames'.length) : name.replace(/\.[^.]+$/, '');
  if (!stem) return null;
  const path = [job.id, `${stem}.thumb.jpg`].map(encodeURIComponent).join('/');
  return host === 'electron' ? `storycore-media://render/${path}` : `/media/render/${path}`;
}
