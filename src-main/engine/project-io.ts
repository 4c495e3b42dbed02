/**
 * Reading a project file: size-capped, JSON-checked, schema-validated, and every keyframe image
 * resolved inside the project folder, checked to exist and to be a picture (ffprobe). Errors name the field and the fix.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { MAX_JSON_DEPTH, lineColumn, nestingBeyond, syntaxErrorOffset } from './json-text.ts';
import { inspectImage } from './image-check.ts';
import { type Project, ProjectError, parseProject } from './model.ts';
import { smallSourceWarning } from './source-size.ts';

const MAX_PROJECT_BYTES = 5 * 1024 * 1024;

export interface LoadedProject {
  project: Project;
  /** Folder of the project file; keyframe paths are relative to it. */
  baseDir: string;
  resolveAsset: (relativePath: string) => string;
  /** What will render but not well (a picture much smaller than its shot), each led by its keyframe path. */
  warnings: string[];
}

/** Resolves an asset path relative to the project folder, refusing anything that leaves it. */
export function resolveInside(baseDir: string, path: string): string | { problem: string } {
  if (path.includes('\0')) return { problem: 'must not contain NUL characters' };
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path)) return { problem: 'must be relative to project.json, not absolute' };
  const full = resolve(baseDir, path);
  const rel = relative(baseDir, full);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    return { problem: 'must stay inside the project folder (no ../)' };
  }
  return full;
}

export async function loadProject(file: string): Promise<LoadedProject> {
  const path = resolve(file);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new ProjectError(file, [`project file not found: ${file} — give the path of a project.json, or use --demo`]);
  if (info.size > MAX_PROJECT_BYTES) throw new ProjectError(file, [`project file is ${info.size} bytes; at most ${MAX_PROJECT_BYTES} (5 MiB)`]);
  // A UTF-8 byte-order mark, as some editors write it, is not part of the JSON.
  const text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  const tooDeep = nestingBeyond(text);
  if (tooDeep >= 0) {
    const { line, column } = lineColumn(text, tooDeep);
    throw new ProjectError(file, [`nested deeper than ${MAX_JSON_DEPTH} levels at line ${line} column ${column}: a project nests a few levels only`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProjectError(file, [`not valid JSON: ${jsonErrorAt(text, error as Error)} — check for a missing comma, quote or bracket`]);
  }
  const project = parseProject(json, file);
  const baseDir = dirname(path);

  const problems: string[] = [];
  const warnings: string[] = [];
  await Promise.all(
    project.shots.flatMap((shot, s) =>
      shot.keyframes.map(async (keyframe, k) => {
        if (!('image' in keyframe)) return;
        const where = `shots[${s}].keyframes[${k}].image`;
        const full = resolveInside(baseDir, keyframe.image);
        if (typeof full !== 'string') {
          problems.push(`${where}: "${keyframe.image}" ${full.problem}`);
          return;
        }
        const found = await stat(full).catch(() => undefined);
        if (!found?.isFile()) {
          problems.push(`${where}: file not found: ${keyframe.image} — put the image there or fix the path (relative to project.json)`);
          return;
        }
        // The path check above is lexical; a symlink inside the folder could still lead out of it.
        const [realBase, real] = await Promise.all([realpath(baseDir), realpath(full)]);
        const rel = relative(realBase, real);
        if (rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
          problems.push(`${where}: "${keyframe.image}" is a link that leads out of the project folder — copy the image into the folder instead`);
          return;
        }
        // Checked here, not by the render: ffmpeg would try a non-picture three times and answer in riddles.
        const image = await inspectImage(full);
        if ('problem' in image) problems.push(`${where}: ${keyframe.image} ${image.problem}`);
        else {
          const small = smallSourceWarning(image, shot.resolution);
          if (small) warnings.push(`${where}: ${keyframe.image}: ${small}`);
        }
      }),
    ),
  );
  if (problems.length) throw new ProjectError(file, problems.sort());

  return {
    project,
    baseDir,
    warnings: warnings.sort(),
    resolveAsset: (relativePath) => {
      const full = resolveInside(baseDir, relativePath);
      if (typeof full !== 'string') throw new Error(`asset "${relativePath}" ${full.problem}`);
      return full;
    },
  };
}

/**
 * V8's reason without its excerpt of the file (which would quote file content back to a client),
 * followed by the line and column of the first bad character, found by our own scan because many of
 * V8's messages carry no position.
 */
function jsonErrorAt(text: string, error: Error): string {
  const reason = error.message.replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
  const offset = syntaxErrorOffset(text);
  if (offset < 0) return reason;
  const { line, column } = lineColumn(text, offset);
  return `${reason} at line ${line} column ${column}`;
}
