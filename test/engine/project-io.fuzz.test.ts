/**
 * Project files with random corruption, and the model's guarantees about text that reaches file
 * names and ffmpeg arguments. loadProject must load a valid project or throw a ProjectError whose
 * every problem names a field or a place in the file; never another error, never a hang.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, sep } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProjectError, ProjectSchema, ShotSchema } from '../../src-main/engine/model.ts';
import { loadProject, resolveInside } from '../../src-main/engine/project-io.ts';
import { tinyProject } from '../host/helpers.ts';
import { FILTER_SYNTAX, ODD_UNICODE, anyText } from '../transport/fuzz-arbitraries.ts';
import { writePicture } from './pictures.ts';
import { type Source, corruption, validSources } from './project-corruption.ts';
import { fuzzParams as params } from '../fuzz-settings.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'storycore-corrupt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A problem names where it is: a field path, a place in the JSON text, or the file's size. */
const NAMES_A_PLACE = [
  /^(version|name|quality|shots)(\[\d+\]|\.[A-Za-z]+|\[\d+\]\.[A-Za-z]+)*: /,
  /^project: unknown field\(s\) /,
  /^not valid JSON: .*(line \d+ column \d+|Unexpected end of JSON input|Unexpected token)/,
  /^project file is \d+ bytes; at most \d+/,
  /^a project is one JSON object: /,
  /^nested deeper than \d+ levels at line \d+ column \d+: /,
];

/** Resolves, or says it did not within `ms` (a hang detector with a wide margin, not a speed check). */
async function settle<T>(work: Promise<T>, ms: number): Promise<{ value: T } | { error: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`loadProject did not settle within ${ms} ms`)), ms);
  });
  try {
    return { value: await Promise.race([work, hung]) };
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('loadProject did not settle')) throw error;
    return { error };
  } finally {
    clearTimeout(timer);
  }
}

describe('project files with random corruption', () => {
  it('load as a valid project, or throw a ProjectError whose every problem names a field or a place; never crash or hang', async () => {
    const file = join(dir, 'project.json');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Source>(...validSources()), corruption(), async (source, damage) => {
        const bytes = damage.apply(source.text);
        writeFileSync(file, bytes);
        const outcome = await settle(loadProject(file), 30_000);
        if ('value' in outcome) {
          // What loaded is a valid project, and stays one through the JSON the queue stores it as.
          const { project } = outcome.value;
          expect(ProjectSchema.parse(project)).toEqual(project);
          // Compared as JSON: a corrupted "-0" loads as -0 and is stored as 0, the same number.
          expect(JSON.stringify(ProjectSchema.parse(JSON.parse(JSON.stringify(project))))).toBe(JSON.stringify(project));
          return;
        }
        const error = outcome.error;
        if (!(error instanceof ProjectError)) throw new Error(`${source.name} / ${damage.label}: threw ${String(error)} instead of a ProjectError`);
        expect(error.problems.length).toBeGreaterThan(0);
        for (const problem of error.problems) {
          if (!NAMES_A_PLACE.some((re) => re.test(problem))) throw new Error(`${source.name} / ${damage.label}: a problem that names no field or place: ${problem}`);
        }
      }),
      params(200),
    );
  }, 120_000);

  it('loads a project saved with a UTF-8 byte-order mark, as editors on Windows write it', async () => {
    const file = join(dir, 'bom.json');
    for (const source of validSources()) {
      writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(source.text)]));
      await expect(loadProject(file), source.name).resolves.toMatchObject({ project: { version: 1 } });
    }
  });

  // Fails until project-io.ts locates the errors V8 reports without a position ("Unexpected token 'x',
  // ..."): the message then names neither a line nor a column, and a long project.json leaves the user
  // searching. Fix: on such an error, find the offset of the first character JSON cannot take (a small
  // scan, or the V8 excerpt's context before it is dropped) and report "line L column C".
  it('says on which line a JSON syntax error is, whatever the error', async () => {
    const file = join(dir, 'syntax.json');
    // A value JSON has no word for, in the middle of a long file: V8 says "Unexpected token" and no more.
    const text = JSON.stringify(tinyProject(['a', 'b']), null, 2).replace('"duration": 1', '"duration": one');
    writeFileSync(file, text);
    const line = text.split('\n').findIndex((l) => l.includes('"duration": one')) + 1;
    const error = await loadProject(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProjectError);
    expect((error as ProjectError).problems[0]).toMatch(new RegExp(`line ${line}\\b`));
  });

  it('refuses an image keyframe that leaves the project folder, naming the keyframe, however the path is spelled', async () => {
    const project = join(dir, 'images');
    mkdirSync(join(project, 'frames'), { recursive: true });
    writePicture(join(project, 'frames', 'ok.png'));
    writeFileSync(join(dir, 'outside.png'), 'outside');
    const escaping = fc.constantFrom('../outside.png', '../../etc/passwd', '/etc/passwd', `${dir}/outside.png`, 'frames/../../outside.png', 'C:\\x.png', 'c:/x.png', 'x\u0000.png', '.', 'frames/..', '..');
    await fc.assert(
      fc.asyncProperty(escaping, async (image) => {
        const file = join(project, 'project.json');
        const shot = { ...tinyProject(['a']).shots[0], keyframes: [{ image: 'frames/ok.png' }, { image }], interpolation: { method: 'blend', sourceFps: 6, transition: 'cut' } };
        writeFileSync(file, JSON.stringify({ ...tinyProject(['a']), shots: [shot] }));
        const error = await loadProject(file).catch((e: unknown) => e);
        expect(error, image).toBeInstanceOf(ProjectError);
        expect((error as ProjectError).problems.join('\n')).toMatch(/^shots\[0\]\.keyframes\[1\]\.image: /);
      }),
      params(20),
    );
  });
});

describe('text that could reach a file name or an ffmpeg argument', () => {
  /** Characters that mean something to a path, a shell or an ffmpeg filter graph. */
  const SPECIAL = /[/\\.:;,'"[\]=%\s\u0000-\u001f@|&$`<>*?{}()#!~^]/u;

  it('accepts as a shot id or output name only text that is a plain file name and inert in a filter graph', () => {
    fc.assert(
      fc.property(anyText(), fc.constantFrom('id', 'export'), (text, where) => {
        const shot = { ...tinyProject([where === 'id' ? text : 'a']).shots[0]!, ...(where === 'export' ? { export: { format: 'mp4', name: text } } : {}) };
        if (!ShotSchema.safeParse(shot).success) return;
        expect(text, 'accepted').not.toMatch(SPECIAL);
        expect(text.length).toBeLessThanOrEqual(64);
        expect(/^[A-Za-z0-9]/.test(text)).toBe(true);
      }),
      params(2000),
    );
  });

  it('accepts as a colour only #rrggbb, the one keyframe text that reaches a filter graph', () => {
    fc.assert(
      fc.property(fc.oneof(anyText(), fc.stringMatching(/^#[0-9a-fA-F]{6}.{0,4}$/)), (color) => {
        const shot = { ...tinyProject(['a']).shots[0]!, keyframes: [{ generator: 'color', color }] };
        if (ShotSchema.safeParse(shot).success) expect(color).toMatch(/^#[0-9a-fA-F]{6}$/);
      }),
      params(2000),
    );
  });

  it('resolves an asset path only strictly inside the project folder', () => {
    const base = join(dir, 'base');
    const segment = fc.oneof(fc.constantFrom('..', '.', '', '...', '..\\..', '%2e%2e', '\u0000', 'C:', '~', ...ODD_UNICODE, ...FILTER_SYNTAX), fc.string({ unit: 'binary', maxLength: 8 }));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 8 }), fc.constantFrom('/', '\\', '//'), fc.boolean(), (parts, joiner, absolute) => {
        const path = `${absolute ? '/' : ''}${parts.join(joiner)}`;
        const resolved = resolveInside(base, path);
        if (typeof resolved !== 'string') return;
        const rel = relative(base, resolved);
        expect(rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel), `${JSON.stringify(path)} → ${resolved}`).toBe(false);
        expect(resolved.includes('\u0000')).toBe(false);
      }),
      params(3000),
    );
  });
});
