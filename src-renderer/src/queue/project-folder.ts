/**
 * "Open project folder…": a project.json with its pictures, picked as a folder. Each picture the
 * project names is found in the folder by its path relative to project.json, uploaded (so the host
 * checks it like any upload), and the project's image paths rewritten to the asset ids the host
 * answered. No React here, and the upload is passed in, so it can be tested under plain Node.
 */
import { ProjectSchema, describeIssues, formatPath } from '../../../src-preload/contract.ts';
import type { PictureOutcome } from './pictures.ts';

export interface FolderFile<F> {
  /** The path inside the picked folder, as the browser gives it (webkitRelativePath): "trip/pictures/a.png". */
  path: string;
  file: F;
}

export type FolderOutcome = { project: unknown; shots: number; name: string } | { problems: string[] };

/** Joins a keyframe's path to the project's folder, or null when it would leave the folder or is absolute. */
export function insideFolder(dir: string, relative: string): string | null {
  if (relative.startsWith('/') || /^[A-Za-z]:/.test(relative) || relative.includes('\\') || relative.includes('\0')) return null;
  const parts = dir ? dir.split('/') : [];
  const depth = parts.length;
  for (const part of relative.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === depth) return null;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

/** The project.json nearest the folder's top, and the folder it sits in. */
function projectFileOf<F>(files: readonly FolderFile<F>[]): { entry: FolderFile<F>; dir: string } | undefined {
  const candidates = files.filter((f) => f.path === 'project.json' || f.path.endsWith('/project.json'));
  candidates.sort((a, b) => a.path.split('/').length - b.path.split('/').length);
  const entry = candidates[0];
  if (!entry) return undefined;
  return { entry, dir: entry.path.split('/').slice(0, -1).join('/') };
}

export async function openProjectFolder<F>(files: readonly FolderFile<F>[], readText: (file: F) => Promise<string>, upload: (file: F, name: string) => Promise<PictureOutcome>): Promise<FolderOutcome> {
  const found = projectFileOf(files);
  if (!found) return { problems: ['the folder holds no project.json: pick the folder that holds it'] };
  let json: unknown;
  try {
    json = JSON.parse(await readText(found.entry.file));
  } catch (error) {
    return { problems: [`${found.entry.path} is not JSON: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const parsed = ProjectSchema.safeParse(json);
  if (!parsed.success) return { problems: describeIssues(parsed.error) };

  const byPath = new Map(files.map((f) => [f.path, f]));
  const problems: string[] = [];
  // Keyframe path in the JSON → the picture's place in the folder; one upload per picture.
  const wanted = new Map<string, { where: string; image: string }[]>();
  parsed.data.shots.forEach((shot, s) => {
    shot.keyframes.forEach((keyframe, k) => {
      if (!('image' in keyframe) || keyframe.image.startsWith('asset:')) return;
      const where = formatPath(['shots', s, 'keyframes', k, 'image']);
      const place = insideFolder(found.dir, keyframe.image);
      if (place === null) problems.push(`${where}: "${keyframe.image}" must stay inside the project folder (relative to project.json, no ../ out of it)`);
      else if (!byPath.has(place)) problems.push(`${where}: file not found in the folder: ${keyframe.image} — put the picture there or fix the path (relative to project.json)`);
      else wanted.set(place, [...(wanted.get(place) ?? []), { where, image: keyframe.image }]);
    });
  });
  if (problems.length > 0) return { problems };

  const ids = new Map<string, string>();
  await Promise.all(
    [...wanted.keys()].map(async (place) => {
      const outcome = await upload(byPath.get(place)!.file, place.split('/').pop()!);
      if ('problem' in outcome) for (const { where, image } of wanted.get(place)!) problems.push(`${where}: ${image}: ${outcome.problem}`);
      else ids.set(place, outcome.id);
    }),
  );
  if (problems.length > 0) return { problems: problems.sort() };

  // The original JSON is sent with only the image paths changed: the host applies the defaults itself.
  const raw = json as { shots: { keyframes: Record<string, unknown>[] }[] };
  const project = {
    ...raw,
    shots: raw.shots.map((shot) => ({
      ...shot,
      keyframes: shot.keyframes.map((keyframe) => {
        if (typeof keyframe.image !== 'string' || keyframe.image.startsWith('asset:')) return keyframe;
        return { ...keyframe, image: `asset:${ids.get(insideFolder(found.dir, keyframe.image)!)}` };
      }),
    })),
  };
  return { project, shots: parsed.data.shots.length, name: parsed.data.name };
}
