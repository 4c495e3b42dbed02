/**
 * The answer to `jobDetail`: the job, its shot in a few words, its stored pipeline trace (checked,
 * since it was read back from the database), and its output as the window can load it.
 */
import { statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ASSET_PREFIX, type ExportFormat, type Quality, type Shot } from '../engine/model.ts';
import { PipelineTraceSchema } from '../engine/trace.ts';
import type { Job } from '../queue/job.ts';
import type { JobSpec, RenderQueue } from '../queue/render-queue.ts';
import { AssetStore } from './asset-store.ts';
import type { BadgedJob, JobDetail, JobMedia, ShotSummary } from './job-view.ts';

const MIME: Record<ExportFormat, string> = { mp4: 'video/mp4', webm: 'video/webm', mov: 'video/quicktime', png_sequence: 'image/png' };
/** The first frame of a png_sequence export (stages/export.ts writes frame_00001.png on). */
const FIRST_FRAME = 'frame_00001.png';

/** `assets` names the shot's uploaded pictures by the file names they came with. */
export async function jobDetail(queue: RenderQueue, job: BadgedJob, rendersDir: string, assets?: AssetStore): Promise<JobDetail> {
  const spec = queue.getSpec(job.id);
  const uploads = spec && assets ? await namesOfUploads(spec, assets) : undefined;
  const detail: JobDetail = { job, spec: spec ? summariseShot(spec.shot, job.quality, uploads) : null, trace: null, media: null };
  readTrace(queue, job.id, detail);
  if (job.status === 'done') {
    const media = mediaOf(job, spec?.shot.export.format, rendersDir);
    if ('problem' in media) detail.mediaProblem = media.problem;
    else detail.media = media;
  }
  return detail;
}

function readTrace(queue: RenderQueue, jobId: string, detail: JobDetail): void {
  let stored: unknown;
  try {
    stored = queue.getTrace(jobId);
  } catch (error) {
    detail.traceProblem = `the stored trace is not valid JSON (${error instanceof Error ? error.message : String(error)})`;
    return;
  }
  if (stored === undefined || stored === null) return;
  const parsed = PipelineTraceSchema.safeParse(stored);
  if (parsed.success) detail.trace = parsed.data;
  else detail.traceProblem = `the stored trace does not have the expected shape (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`;
}

/**
 * The upload a keyframe names, if it names one: the enqueue rewrote "asset:<id>" to the stored
 * picture's name in the assets folder (the job's base folder then).
 */
function uploadOf(image: string, baseDir: string | null, assets: AssetStore): string | undefined {
  if (image.startsWith(ASSET_PREFIX)) return image.slice(ASSET_PREFIX.length);
  if (baseDir === null || resolve(baseDir) !== resolve(assets.dir)) return undefined;
  return AssetStore.idOfStoredName(image);
}

/** Each uploaded keyframe's words, by its image: the file name it came with, or the start of its hash. */
async function namesOfUploads(spec: JobSpec, assets: AssetStore): Promise<Map<string, string>> {
  const images = [...new Set(spec.shot.keyframes.flatMap((k) => ('image' in k ? [k.image] : [])))];
  const named = await Promise.all(
    images.map(async (image) => {
      const id = uploadOf(image, spec.baseDir, assets);
      return id === undefined ? [] : [[image, `picture ${(await assets.find(id))?.name ?? id.slice(0, 12)}`] as const];
    }),
  );
  return new Map(named.flat());
}

/** `uploads`: the words for keyframes that are uploaded pictures, by image (namesOfUploads). */
export function summariseShot(shot: Shot, quality: Quality, uploads: ReadonlyMap<string, string> = new Map()): ShotSummary {
  return {
    shotId: shot.id,
    title: shot.title ?? null,
    durationS: shot.duration,
    fps: shot.fps,
    frames: Math.round(shot.duration * shot.fps),
    width: shot.resolution.width,
    height: shot.resolution.height,
    keyframes: shot.keyframes.map((k) => ('image' in k ? (uploads.get(k.image) ?? `image ${k.image}`) : `${k.generator} (seed ${k.seed}${k.color ? `, ${k.color}` : ''})`)),
    camera: { movement: shot.camera.movement, easing: shot.camera.easing },
    interpolation: { ...shot.interpolation },
    format: shot.export.format,
    quality,
  };
}

/**
 * The output as a file of the job's render folder. The stored path is checked to lie in that
 * folder (the media doors serve nothing else) and to exist now.
 */
function mediaOf(job: Job, format: ExportFormat | undefined, rendersDir: string): JobMedia | { problem: string } {
  if (!job.output) return { problem: 'the job has no output recorded' };
  const jobDir = join(rendersDir, job.id);
  const inside = relative(jobDir, job.output);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    return { problem: `the output ${job.output} is not in this studio's render folder (was the data folder moved?)` };
  }
  const kind = (format ?? formatOf(job.output)) === 'png_sequence' ? 'image' : 'video';
  const file = [...inside.split(sep), ...(kind === 'image' ? [FIRST_FRAME] : [])].join('/');
  if (!statSync(join(jobDir, ...file.split('/')), { throwIfNoEntry: false })?.isFile()) {
    return { problem: `the output file ${file} is no longer in the render folder` };
  }
  return { kind, file, mimeType: MIME[format ?? formatOf(job.output)], url: null };
}

/** The format of an output path, for a job whose shot record could not be read. */
function formatOf(output: string): ExportFormat {
  const ext = /\.([a-z0-9]+)$/i.exec(output)?.[1]?.toLowerCase();
  return ext === 'mp4' || ext === 'webm' || ext === 'mov' ? ext : 'png_sequence';
}
