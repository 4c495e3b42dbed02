/**
 * The "add a shot" form as data: its fields, the project it builds, and the contract's validation
 * mapped back onto the fields, so every problem shows at the field it is about. The same schemas
 * check a picked project file. No React here, so it can be tested under plain Node.
 */
import { type Command, type CommandReply, KeyframeSchema, type ProjectInput, ProjectSchema, describeIssues, formatEstimate, formatPath, type Shot } from '../../../src-preload/contract.ts';

export interface ShotFormValues {
  projectName: string;
  id: string;
  title: string;
  duration: string;
  fps: string;
  width: string;
  height: string;
  generator: string;
  keyframeCount: string;
  seed: string;
  color: string;
  /** What a picture's transparent areas become (#rrggbb); empty is black. */
  background: string;
  movement: string;
  easing: string;
  /** The camera's start and end (x, y from -1 to 1, zoom from 1): empty keeps the move's own. */
  fromX: string;
  fromY: string;
  fromZoom: string;
  toX: string;
  toY: string;
  toZoom: string;
  method: string;
  sourceFps: string;
  transition: string;
  transitionDuration: string;
  format: string;
  quality: string;
  priority: string;
}
export type ShotField = keyof ShotFormValues;
/** Where a problem shows: a field, the pictures list, or the form as a whole. */
export type FormField = ShotField | 'form' | 'pictures';
/** Problems by field; 'form' holds what belongs to no one field. */
export type FieldErrors = Partial<Record<FormField, string>>;
/** An uploaded picture the shot uses as a keyframe, in order. */
export interface KeyframePicture {
  id: string;
}

export function defaultShotValues(n: number): ShotFormValues {
  return {
    projectName: 'Quick shots',
    id: `shot_${n}`,
    title: '',
    duration: '3',
    fps: '24',
    width: '640',
    height: '360',
    generator: 'mandelbrot',
    keyframeCount: '1',
    seed: '1',
    color: '',
    background: '',
    movement: 'zoom',
    easing: 'ease_in_out',
    fromX: '',
    fromY: '',
    fromZoom: '',
    toX: '',
    toY: '',
    toZoom: '',
    method: 'blend',
    sourceFps: '12',
    transition: 'crossfade',
    transitionDuration: '0.5',
    format: 'mp4',
    quality: 'preview',
    priority: '0',
  };
}

/**
 * A number box as the schema should see it: empty is "missing" (the schema says the field must be a
 * number), anything else goes through Number, so "abc" reaches the schema as NaN and gets its message.
 */
function numberOf(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text.trim());
}

/** A camera position from its three boxes, or undefined when all are empty (the move's own is used). */
function positionOf(x: string, y: string, zoom: string): { x: number; y: number; zoom: number } | undefined {
  if (![x, y, zoom].some((t) => t.trim() !== '')) return undefined;
  return { x: numberOf(x) ?? 0, y: numberOf(y) ?? 0, zoom: numberOf(zoom) ?? 1 };
}

/** The camera the form describes (also drawn by the framing preview). */
export function cameraOf(v: ShotFormValues): Shot['camera'] {
  const from = positionOf(v.fromX, v.fromY, v.fromZoom);
  const to = positionOf(v.toX, v.toY, v.toZoom);
  // The schema judges the names; the preview draws only what it would accept.
  return { movement: v.movement as Shot['camera']['movement'], easing: v.easing as Shot['camera']['easing'], ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

/**
 * The inline project the form describes: one shot whose keyframes are the uploaded pictures in
 * order, or, without pictures, all of one generator with consecutive seeds.
 */
export function projectOf(v: ShotFormValues, pictures: readonly KeyframePicture[] = []): unknown {
  const count = numberOf(v.keyframeCount);
  const seed = numberOf(v.seed);
  const keyframes = pictures.length > 0 ? pictures.map((p) => ({ image: `asset:${p.id}` })) : Array.from({ length: Number.isInteger(count) && count! > 0 && count! <= 64 ? count! : 0 }, (_, i) => ({
    generator: v.generator,
    ...(seed === undefined ? {} : { seed: Number.isFinite(seed) ? seed + i : seed }),
    ...(v.color.trim() ? { color: v.color.trim() } : {}),
  }));
  return {
    version: 1,
    name: v.projectName.trim(),
    quality: v.quality,
    shots: [
      {
        id: v.id.trim(),
        ...(v.title.trim() ? { title: v.title.trim() } : {}),
        duration: numberOf(v.duration),
        fps: numberOf(v.fps),
        resolution: { width: numberOf(v.width), height: numberOf(v.height) },
        keyframes,
        camera: cameraOf(v),
        ...(v.background.trim() ? { background: v.background.trim() } : {}),
        interpolation: { method: v.method, sourceFps: numberOf(v.sourceFps), transition: v.transition, transitionDuration: numberOf(v.transitionDuration) },
        quality: v.quality,
        export: { format: v.format },
      },
    ],
  };
}

/** Where each schema path of the project lands on the form. */
const SHOT_FIELDS: Record<string, ShotField> = {
  id: 'id',
  title: 'title',
  duration: 'duration',
  fps: 'fps',
  'resolution.width': 'width',
  'resolution.height': 'height',
  keyframes: 'keyframeCount',
  'camera.movement': 'movement',
  'camera.easing': 'easing',
  'camera.from.x': 'fromX',
  'camera.from.y': 'fromY',
  'camera.from.zoom': 'fromZoom',
  'camera.to.x': 'toX',
  'camera.to.y': 'toY',
  'camera.to.zoom': 'toZoom',
  'interpolation.method': 'method',
  'interpolation.sourceFps': 'sourceFps',
  'interpolation.transition': 'transition',
  'interpolation.transitionDuration': 'transitionDuration',
  'export.format': 'format',
  background: 'background',
  quality: 'quality',
};
const KEYFRAME_FIELDS: Record<string, ShotField> = { generator: 'generator', seed: 'seed', color: 'color' };
/** The generated-keyframe branch of the contract's keyframe union. */
const GeneratedKeyframe = KeyframeSchema.options[1];

/** The form field a schema issue path is about ("shots.0.resolution.width" → width), or 'form'. */
export function fieldOf(path: readonly PropertyKey[]): FormField {
  const keys = path.map(String);
  if (keys[0] === 'project') keys.shift(); // the host's paths start at the command's field
  if (keys[0] === 'name') return 'projectName';
  if (keys[0] === 'quality' && keys.length === 1) return 'quality';
  if (keys[0] !== 'shots') return 'form';
  const rest = keys.slice(2);
  if (rest.length === 0) return 'form';
  if (rest[0] === 'keyframes' && rest[2] === 'image') return 'pictures';
  if (rest[0] === 'keyframes' && rest.length >= 3) return KEYFRAME_FIELDS[rest[2]!] ?? 'keyframeCount';
  if (rest[0] === 'keyframes' && rest.length === 2) return 'generator';
  return SHOT_FIELDS[rest.join('.')] ?? SHOT_FIELDS[rest[0]!] ?? 'form';
}

function priorityProblem(text: string): string | undefined {
  const value = numberOf(text);
  if (value === undefined) return undefined;
  if (!Number.isInteger(value)) return 'priority must be a whole number';
  if (value < -100 || value > 100) return 'priority must be from -100 to 100';
  return undefined;
}

/**
 * The enqueue command for the form, or the problems, each at its field (the first problem per field:
 * the one to fix first). Nothing is sent when there is any.
 */
export function buildEnqueue(values: ShotFormValues, pictures: readonly KeyframePicture[] = []): { command: Command } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const count = numberOf(values.keyframeCount);
  if (pictures.length === 0 && (count === undefined || !Number.isInteger(count) || count < 1 || count > 64)) errors.keyframeCount = 'keyframes must be a whole number from 1 to 64';
  const priority = priorityProblem(values.priority);
  if (priority) errors.priority = priority;
  if (pictures.length > 64) errors.pictures = 'a shot may hold at most 64 pictures';
  const project = projectOf(values, pictures) as { shots: [{ keyframes: unknown[] }] };
  const parsed = ProjectSchema.safeParse(project);
  if (!parsed.success) {
    const messages = describeIssues(parsed.error);
    parsed.error.issues.forEach((issue, i) => {
      const field = fieldOf(issue.path);
      // The field is named on screen by its label, so the path prefix would only repeat it.
      errors[field] ??= field === 'form' ? messages[i]! : issue.message;
    });
    // A keyframe is an image or a generator, and the schema's union says only that when one is
    // wrong; checked against the generator branch (all the form makes), it names the field.
    const keyframe = project.shots[0].keyframes[0];
    const generated = keyframe === undefined || pictures.length > 0 ? undefined : GeneratedKeyframe.safeParse(keyframe);
    if (generated && !generated.success) {
      delete errors.generator;
      for (const issue of generated.error.issues) errors[KEYFRAME_FIELDS[String(issue.path[0])] ?? 'generator'] ??= issue.message;
    }
  }
  if (Object.keys(errors).length > 0) return { errors };
  const prio = numberOf(values.priority);
  return { command: { type: 'enqueue', project: projectOf(values, pictures) as ProjectInput, ...(prio === undefined || prio === 0 ? {} : { priority: prio }) } };
}

/** The estimate command for the shot being edited, or null while the form has problems (the host is not asked then). */
export function buildEstimate(values: ShotFormValues, pictures: readonly KeyframePicture[] = []): Extract<Command, { type: 'estimate' }> | null {
  const built = buildEnqueue(values, pictures);
  if ('errors' in built || built.command.type !== 'enqueue') return null;
  return { type: 'estimate', project: built.command.project! };
}

/** What the form shows under its buttons: the shot's estimate, or why the host would refuse it. */
export type EstimateView = { kind: 'estimate'; text: string } | { kind: 'refused'; text: string } | { kind: 'unknown'; text: string };

export function estimateView(reply: CommandReply<'estimate'>): EstimateView {
  if (!reply.ok) return { kind: 'unknown', text: `No estimate: ${reply.error.message}` };
  const estimate = reply.result[0];
  if (!estimate) return { kind: 'unknown', text: 'No estimate.' };
  if (estimate.refusal) return { kind: 'refused', text: `This shot would be refused: ${estimate.refusal.message}` };
  return { kind: 'estimate', text: `Expected render time ${formatEstimate(estimate.expectedSeconds)} at ${estimate.quality}.` };
}

/** A host refusal of the form's command, put at the field it names when it names one. */
export function hostErrorAt(error: { message: string; field?: string }): FieldErrors {
  const field = error.field ? fieldOf(error.field.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k))) : 'form';
  return { [field]: error.message };
}

/** A picked project file, checked as the host will check it: the problems by path, or the project. */
export function checkProjectFile(text: string, fileName: string): { project: unknown; shots: number; name: string } | { problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problems: [`${fileName} is not JSON: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const parsed = ProjectSchema.safeParse(json);
  if (!parsed.success) return { problems: describeIssues(parsed.error) };
  const problems: string[] = [];
  parsed.data.shots.forEach((shot, i) => {
    shot.keyframes.forEach((keyframe, k) => {
      if ('image' in keyframe) {
        problems.push(`${formatPath(['shots', i, 'keyframes', k, 'image'])}: a project file alone cannot bring its pictures: use "Open project folder…" (project.json with its pictures), or render it with the command line`);
      }
    });
  });
  if (problems.length > 0) return { problems };
  // The original JSON is sent, not the parsed copy: the host applies the same defaults itself.
  return { project: json, shots: parsed.data.shots.length, name: parsed.data.name };
}
