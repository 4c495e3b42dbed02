import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ProjectInput, ProjectError, parseProject } from '../../src-main/engine/model.ts';
import { loadProject, resolveInside } from '../../src-main/engine/project-io.ts';
import { buildShotTimeline } from '../../src-main/engine/shot-timeline.ts';
import { writePicture } from './pictures.ts';

const shot = (over: Record<string, unknown> = {}) => ({ id: 'a', duration: 2, keyframes: [{ generator: 'testsrc2' }], ...over });
const project = (shots: unknown[], over: Record<string, unknown> = {}) => ({ version: 1, name: 'p', shots, ...over }) as ProjectInput;

function problems(input: unknown): string[] {
  try {
    parseProject(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ProjectError);
    return (error as ProjectError).problems;
  }
  throw new Error('expected the project to be rejected');
}

describe('project model', () => {
  it('fills defaults for a minimal shot', () => {
    const p = parseProject(project([shot()]));
    expect(p.quality).toBe('preview');
    expect(p.shots[0]).toMatchObject({ fps: 24, resolution: { width: 640, height: 360 }, camera: { movement: 'static' }, interpolation: { method: 'optical_flow', sourceFps: 12 }, export: { format: 'mp4' } });
  });

  it.each([
    ['negative duration', shot({ duration: -1 }), 'shots[0].duration: duration must be at least 0.25 seconds'],
    ['absurd duration', shot({ duration: 1e9 }), 'shots[0].duration: duration must be at most 600 seconds'],
    ['NaN-like duration', shot({ duration: 'long' }), 'shots[0].duration: duration must be a number of seconds'],
    ['odd width', shot({ resolution: { width: 641, height: 360 } }), 'shots[0].resolution.width: width must be even'],
    ['huge height', shot({ resolution: { width: 640, height: 100000 } }), 'shots[0].resolution.height: height must be at most 4320 pixels'],
    ['fps zero', shot({ fps: 0 }), 'shots[0].fps: fps must be at least 1'],
    ['traversal in id', shot({ id: '../../etc' }), 'shots[0].id: id may only use letters, digits, _ and -'],
    ['slash in export name', shot({ export: { format: 'mp4', name: 'a/b' } }), 'shots[0].export.name: name may only use letters'],
    ['filter syntax in id', shot({ id: "a';drawtext=text='x" }), 'shots[0].id: id may only use'],
    ['filter syntax in colour', shot({ keyframes: [{ generator: 'color', color: 'red:s=1x1[x]' }] }), 'shots[0].keyframes[0]'],
    ['unknown movement', shot({ camera: { movement: 'spin' } }), 'shots[0].camera.movement: movement must be one of: static, pan'],
    ['unknown field', shot({ speed: 2 }), 'shots[0]: unknown field(s) "speed": remove them or check the spelling'],
    ['sourceFps above fps', shot({ fps: 12, interpolation: { sourceFps: 24 } }), "shots[0].interpolation.sourceFps: sourceFps (24) must not exceed the shot's fps (12)"],
    ['no keyframes', shot({ keyframes: [] }), 'shots[0].keyframes: keyframes needs at least one keyframe'],
    ['camera out of frame', shot({ camera: { movement: 'pan', from: { x: 3 } } }), 'shots[0].camera.from.x: x must be at most 1'],
  ])('rejects %s, naming the field and the fix', (_label, bad, message) => {
    expect(problems(project([bad])).join('\n')).toContain(message);
  });

  it('rejects two shots that would write the same file', () => {
    expect(problems(project([shot({ id: 'x' }), shot({ id: 'X' })]))).toEqual([expect.stringContaining('output name "X" is also used by shots[0]')]);
  });

  it('rejects a wrong version and unknown top-level fields', () => {
    const found = problems(project([shot()], { version: 2, owner: 'me' })).join('\n');
    expect(found).toContain('version must be 1');
    expect(found).toContain('unknown field(s) "owner"');
  });
});

describe('timeline', () => {
  it('keeps the shot duration when transitions overlap segments, and splits the camera move', () => {
    const p = parseProject(project([shot({ duration: 3, keyframes: [{ generator: 'mandelbrot' }, { generator: 'life' }], interpolation: { transition: 'crossfade', transitionDuration: 0.5 } })]));
    const t = buildShotTimeline(p.shots[0]!);
    expect(t.totalFrames).toBe(72);
    expect(t.segments).toHaveLength(2);
    const [a, b] = t.segments as [(typeof t.segments)[0], (typeof t.segments)[0]];
    expect(a.duration).toBeCloseTo(1.75);
    expect(b.start + b.duration).toBeCloseTo(3);
    expect(a.t0).toBe(0);
    expect(b.t1).toBeCloseTo(1);
    expect(b.t0).toBeCloseTo(1.25 / 3);
  });

  it('uses the movement preset unless from/to are given', () => {
    const p = parseProject(project([shot({ camera: { movement: 'pan', to: { x: 0.5, zoom: 2 } } })]));
    const t = buildShotTimeline(p.shots[0]!);
    expect(t.camera.from).toEqual({ x: -1, y: 0, zoom: 1.4 });
    expect(t.camera.to).toEqual({ x: 0.5, y: 0, zoom: 2 });
  });
});

describe('loading a project file', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const write = async (content: string) => {
    dir = await mkdtemp(join(tmpdir(), 'storycore-project-'));
    const file = join(dir, 'project.json');
    await writeFile(file, content);
    return file;
  };
  const loadError = async (file: string) => (await loadProject(file).catch((e: unknown) => e)) as ProjectError;

  it('reports malformed JSON with a hint', async () => {
    const error = await loadError(await write('{"version": 1,, }'));
    expect(error).toBeInstanceOf(ProjectError);
    expect(error.problems[0]).toMatch(/^not valid JSON: .* — check for a missing comma/);
  });

  it('reports a missing keyframe file by field path, and a path leaving the project folder', async () => {
    const file = await write(JSON.stringify(project([shot({ keyframes: [{ image: 'missing.png' }, { image: '../outside.png' }, { image: '/etc/passwd' }] })])));
    const error = await loadError(file);
    expect(error.problems).toEqual([
      'shots[0].keyframes[0].image: file not found: missing.png — put the image there or fix the path (relative to project.json)',
      'shots[0].keyframes[1].image: "../outside.png" must stay inside the project folder (no ../)',
      'shots[0].keyframes[2].image: "/etc/passwd" must be relative to project.json, not absolute',
    ]);
  });

  it('resolves images inside the project folder', async () => {
    const file = await write(JSON.stringify(project([shot({ keyframes: [{ image: 'img/key.png' }] })])));
    await mkdir(join(dir, 'img'));
    writePicture(join(dir, 'img', 'key.png'));
    const loaded = await loadProject(file);
    expect(loaded.resolveAsset('img/key.png')).toBe(join(dir, 'img', 'key.png'));
    expect(() => loaded.resolveAsset('../x.png')).toThrow(/inside the project folder/);
  });

  it('says what to do when the file does not exist', async () => {
    const error = await loadError(join(tmpdir(), 'nope', 'project.json'));
    expect(error.problems[0]).toMatch(/project file not found: .* or use --demo/);
  });

  it('refuses sneaky relative paths', () => {
    expect(resolveInside('/base', 'a/../../b')).toEqual({ problem: 'must stay inside the project folder (no ../)' });
    expect(resolveInside('/base', 'a/./b.png')).toBe('/base/a/b.png');
  });
});
