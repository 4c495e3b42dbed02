/**
 * The shot and project model: zod schemas that are the only way a project enters the engine.
 * Every message names the field and says the fix. Only validated numbers and enum values ever
 * reach an ffmpeg filter graph; free text (titles, notes) never does.
 */
import { z } from 'zod';

/** Ids and output names become file names: letters, digits, _ and -, starting with a letter or digit. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const safeName = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .regex(SAFE_NAME, `${what} may only use letters, digits, _ and - (1–64 characters, starting with a letter or digit); no dots, slashes or spaces`);

const num = (what: string, min: number, max: number, unit = '') =>
  z
    .number({ error: `${what} must be a number${unit ? ` of ${unit}` : ''}` })
    .refine(Number.isFinite, `${what} must be a finite number`)
    .pipe(z.number().min(min, `${what} must be at least ${min}${unit ? ` ${unit}` : ''}`).max(max, `${what} must be at most ${max}${unit ? ` ${unit}` : ''}`));
const int = (what: string, min: number, max: number, unit = '') =>
  num(what, min, max, unit).pipe(z.number().int(`${what} must be a whole number`));
const evenInt = (what: string, min: number, max: number) =>
  int(what, min, max, 'pixels').pipe(z.number().refine((n) => n % 2 === 0, `${what} must be even (video encoders need even sizes)`));
const choice = <T extends readonly [string, ...string[]]>(what: string, values: T) =>
  z.enum(values, { error: `${what} must be one of: ${values.join(', ')}` });

export const QUALITIES = ['draft', 'preview', 'standard', 'final'] as const;
export const MOVEMENTS = ['static', 'pan', 'tilt', 'zoom', 'dolly', 'ken_burns'] as const;
export const EASINGS = ['linear', 'ease_in', 'ease_out', 'ease_in_out'] as const;
export const INTERPOLATIONS = ['optical_flow', 'blend', 'crossfade', 'duplicate'] as const;
export const TRANSITIONS = ['cut', 'crossfade', 'dissolve', 'wipeleft', 'slideleft'] as const;
export const FORMATS = ['mp4', 'webm', 'mov', 'png_sequence'] as const;
export const GENERATORS = ['mandelbrot', 'testsrc2', 'gradients', 'life', 'color'] as const;

export type Quality = (typeof QUALITIES)[number];
export type Movement = (typeof MOVEMENTS)[number];
export type Easing = (typeof EASINGS)[number];
export type InterpolationMethod = (typeof INTERPOLATIONS)[number];
export type ExportFormat = (typeof FORMATS)[number];
export type GeneratorName = (typeof GENERATORS)[number];

/** A camera position about the frame centre: x, y from -1 (left/top edge) to 1; zoom 1 = whole frame. */
export const PositionSchema = z
  .object({
    x: num('x', -1, 1).default(0),
    y: num('y', -1, 1).default(0),
    zoom: num('zoom', 1, 8).default(1),
  })
  .strict();
export type Position = z.infer<typeof PositionSchema>;

export const CameraSchema = z
  .object({
    movement: choice('movement', MOVEMENTS).default('static'),
    from: PositionSchema.optional(),
    to: PositionSchema.optional(),
    easing: choice('easing', EASINGS).default('ease_in_out'),
  })
  .strict();

const HEX_COLOR = /^#[0-9a-fA-F]{6}$/;
/** A keyframe image that names a picture uploaded to the studio by the sha256 of its bytes. */
export const ASSET_PREFIX = 'asset:';
const ASSET_IMAGE = /^asset:[0-9a-f]{64}$/;

export const KeyframeSchema = z.union(
  [
    z
      .object({
        /** An image file, relative to the project file, inside the project folder; or "asset:<sha256>", a picture uploaded to the studio. */
        image: z
          .string({ error: 'image must be a path relative to project.json, or "asset:<id>" of an uploaded picture' })
          .min(1, 'image must not be empty')
          .max(512, 'image path is too long (512 characters at most)')
          .refine((image) => !image.startsWith(ASSET_PREFIX) || ASSET_IMAGE.test(image), 'image "asset:…" must be "asset:" and the 64 hex digits the studio answered the upload with; upload the picture again to get one'),
      })
      .strict(),
    z
      .object({
        generator: choice('generator', GENERATORS),
        seed: int('seed', 0, 2 ** 31 - 1).default(1),
        color: z.string().regex(HEX_COLOR, 'color must be a hex colour like #3366ff').optional(),
      })
      .strict(),
  ],
  { error: 'a keyframe is either { "image": "path/relative/to/project.png" } or { "generator": "mandelbrot" | "testsrc2" | "gradients" | "life" | "color" }' },
);
export type Keyframe = z.infer<typeof KeyframeSchema>;

export const InterpolationSchema = z
  .object({
    method: choice('method', INTERPOLATIONS).default('optical_flow'),
    /** Frame rate the keyframe segments are rendered at, before retiming to the shot's fps. */
    sourceFps: int('sourceFps', 1, 60, 'frames per second').default(12),
    transition: choice('transition', TRANSITIONS).default('crossfade'),
    transitionDuration: num('transitionDuration', 0, 5, 'seconds').default(0.5),
  })
  .strict();

export const ExportSchema = z
  .object({
    format: choice('format', FORMATS).default('mp4'),
    /** Output file stem; the shot id when left out. */
    name: safeName('name').optional(),
  })
  .strict();

export const ShotSchema = z
  .object({
    id: safeName('id'),
    title: z.string().max(200, 'title must be at most 200 characters').optional(),
    duration: num('duration', 0.25, 600, 'seconds'),
    fps: int('fps', 1, 120, 'frames per second').default(24),
    resolution: z
      .object({ width: evenInt('width', 16, 7680), height: evenInt('height', 16, 4320) })
      .strict()
      .default({ width: 640, height: 360 }),
    keyframes: z.array(KeyframeSchema).min(1, 'keyframes needs at least one keyframe').max(64, 'keyframes may hold at most 64 keyframes'),
    camera: CameraSchema.default({ movement: 'static', easing: 'ease_in_out' }),
    interpolation: InterpolationSchema.default({ method: 'optical_flow', sourceFps: 12, transition: 'crossfade', transitionDuration: 0.5 }),
    quality: choice('quality', QUALITIES).optional(),
    /** What shows through a transparent picture; black when left out. */
    background: z.string({ error: 'background must be a hex colour like #000000' }).regex(HEX_COLOR, 'background must be a hex colour like #000000').optional(),
    export: ExportSchema.default({ format: 'mp4' }),
  })
  .strict()
  .superRefine((shot, ctx) => {
    const frames = Math.round(shot.duration * shot.fps);
    if (frames < 2) ctx.addIssue({ code: 'custom', path: ['duration'], message: `duration × fps gives ${frames} frame(s); a shot needs at least 2` });
    if (frames > 36_000) ctx.addIssue({ code: 'custom', path: ['duration'], message: `duration × fps gives ${frames} frames; at most 36000 per shot (split the shot)` });
    if (shot.interpolation.sourceFps > shot.fps) {
      ctx.addIssue({ code: 'custom', path: ['interpolation', 'sourceFps'], message: `sourceFps (${shot.interpolation.sourceFps}) must not exceed the shot's fps (${shot.fps})` });
    }
    const segment = shot.duration / shot.keyframes.length;
    if (shot.keyframes.length > 1 && shot.interpolation.transition !== 'cut' && shot.interpolation.transitionDuration >= segment) {
      ctx.addIssue({
        code: 'custom',
        path: ['interpolation', 'transitionDuration'],
        message: `transitionDuration (${shot.interpolation.transitionDuration} s) must be shorter than each keyframe's share of the shot (${segment.toFixed(2)} s)`,
      });
    }
  });
export type Shot = z.infer<typeof ShotSchema>;

export const ProjectSchema = z
  .object({
    version: z.literal(1, { error: 'version must be 1 (the only project format so far)' }),
    name: z.string({ error: 'name must be a string' }).min(1, 'name must not be empty').max(200, 'name must be at most 200 characters'),
    quality: choice('quality', QUALITIES).default('preview'),
    shots: z.array(ShotSchema).min(1, 'shots needs at least one shot').max(500, 'shots may hold at most 500 shots'),
  })
  .strict()
  .superRefine((project, ctx) => {
    const seen = new Map<string, number>();
    project.shots.forEach((shot, i) => {
      const stem = shot.export.name ?? shot.id;
      const earlier = seen.get(stem.toLowerCase());
      if (earlier !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['shots', i, 'id'], message: `output name "${stem}" is also used by shots[${earlier}]; give each shot its own id or export.name` });
      }
      seen.set(stem.toLowerCase(), i);
    });
  });
export type Project = z.infer<typeof ProjectSchema>;
export type ProjectInput = z.input<typeof ProjectSchema>;

/** A project that failed validation: every problem, each with the field path and the fix. */
export class ProjectError extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`${source} is not a valid project:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ProjectError';
    this.problems = problems;
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

/** Turns zod issues into "field.path: what is wrong and how to fix it" lines. */
/** One line per issue, each led by its path; `root` names the whole value when the path is empty. */
export function describeIssues(error: z.ZodError, root = 'project'): string[] {
  return error.issues.map((issue) => {
    const where = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return `${where || root}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove them or check the spelling`;
    }
    return where ? `${where}: ${issue.message}` : issue.message;
  });
}

export function parseProject(input: unknown, source = 'project'): Project {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ProjectError(source, ['a project is one JSON object: {"version": 1, "name": "…", "shots": [ … ]}']);
  const parsed = ProjectSchema.safeParse(input);
  if (!parsed.success) throw new ProjectError(source, describeIssues(parsed.error));
  return parsed.data;
}
