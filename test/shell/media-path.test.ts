import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediaContentType, mediaUrl, parseRange, resolveMediaRequest } from '../../src-main/shell/media-path.ts';

let base: string;
let renders: string;
let roots: string[];
const media = (path: string) => `storycore-media://render/${path}`;

beforeAll(() => {
  base = realpathSync(mkdtempSync(join(tmpdir(), 'storycore-media-')));
  renders = join(base, 'data', 'renders');
  const job = join(renders, 'job_1');
  mkdirSync(join(job, 'shot_frames'), { recursive: true });
  mkdirSync(join(base, 'data', 'work', 'job_1'), { recursive: true });
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(job, 'shot.mp4'), 'video');
  writeFileSync(join(job, 'shot.json'), '{}');
  writeFileSync(join(job, 'my shot.webm'), 'video');
  writeFileSync(join(job, '.shot.partial.mp4'), 'half');
  writeFileSync(join(job, 'shot_frames', '0001.png'), 'png');
  writeFileSync(join(base, 'data', 'work', 'job_1', 'scratch.mp4'), 'scratch');
  writeFileSync(join(base, 'outside', 'secret.txt'), 'secret');
  symlinkSync(join(base, 'outside', 'secret.txt'), join(job, 'escape.mp4'));
  symlinkSync(join(base, 'outside'), join(job, 'escape-dir'));
  symlinkSync(join(job, 'shot.mp4'), join(job, 'alias.mp4'));
  symlinkSync(join(base, 'nowhere.mp4'), join(job, 'dangling.mp4'));
  // The roots list is what the host allows; a root reached through a symlink must still work.
  symlinkSync(renders, join(base, 'renders-link'));
  roots = [renders];
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('resolveMediaRequest', () => {
  it('maps a render URL to the real file inside the root', () => {
    expect(resolveMediaRequest(media('job_1/shot.mp4'), roots)).toEqual({ file: join(renders, 'job_1', 'shot.mp4') });
    expect(resolveMediaRequest(media('job_1/shot_frames/0001.png'), roots)).toEqual({ file: join(renders, 'job_1', 'shot_frames', '0001.png') });
    expect(resolveMediaRequest(media('job_1/my%20shot.webm'), roots)).toEqual({ file: join(renders, 'job_1', 'my shot.webm') });
  });

  it('ignores a query and a fragment', () => {
    expect(resolveMediaRequest(media('job_1/shot.mp4?v=2#t=3'), roots)).toEqual({ file: join(renders, 'job_1', 'shot.mp4') });
  });

  it('builds URLs that resolve back to the file', () => {
    expect(mediaUrl('job_1', 'my shot.webm')).toBe(media('job_1/my%20shot.webm'));
    expect(resolveMediaRequest(mediaUrl('job_1', 'shot_frames/0001.png'), roots)).toEqual({ file: join(renders, 'job_1', 'shot_frames', '0001.png') });
  });

  it('follows a symlink that stays inside the root, and returns its target', () => {
    expect(resolveMediaRequest(media('job_1/alias.mp4'), roots)).toEqual({ file: join(renders, 'job_1', 'shot.mp4') });
  });

  it('works when the root itself is reached through a symlink', () => {
    expect(resolveMediaRequest(media('job_1/shot.mp4'), [join(base, 'renders-link')])).toEqual({ file: join(renders, 'job_1', 'shot.mp4') });
  });

  it('refuses a symlink inside the root that leads outside (403)', () => {
    expect(resolveMediaRequest(media('job_1/escape.mp4'), roots)).toMatchObject({ status: 403 });
    expect(resolveMediaRequest(media('job_1/escape-dir/secret.txt'), roots)).toMatchObject({ status: 403 });
  });

  it.each([
    ['plain ..', 'job_1/../../outside/secret.txt'],
    ['.. as the job id', '../outside/secret.txt'],
    ['.. after the job', 'job_1/../../../etc/passwd'],
    ['single dot', 'job_1/./shot.mp4'],
    ['encoded dots', 'job_1/%2e%2e/%2e%2e/outside/secret.txt'],
    ['upper-case encoded dots', 'job_1/%2E%2E/shot.mp4'],
    ['one encoded dot', 'job_1/.%2e/shot.mp4'],
    ['encoded slash', 'job_1/..%2f..%2foutside%2fsecret.txt'],
    ['encoded slash in a name', 'job_1/shot_frames%2f0001.png'],
    ['encoded backslash', 'job_1/..%5c..%5csecret.txt'],
    ['double-encoded dots', 'job_1/%252e%252e/%252e%252e/outside/secret.txt'],
    ['double-encoded slash', 'job_1/..%252f..%252fsecret.txt'],
    ['raw backslash', 'job_1\\..\\..\\outside\\secret.txt'],
    ['NUL byte', 'job_1/shot.mp4\u0000.png'],
    ['encoded NUL', 'job_1/shot.mp4%00.png'],
    ['absolute path', '/etc/passwd'],
    ['absolute path after the job', 'job_1//etc/passwd'],
    ['drive letter', 'C:/Windows/win.ini'],
    ['NTFS stream', 'job_1/shot.mp4::$DATA'],
    ['malformed escape', 'job_1/%zz.mp4'],
    ['hidden partial output', 'job_1/.shot.partial.mp4'],
    ['trailing slash', 'job_1/shot_frames/'],
    ['newline', 'job_1/shot.mp4\n'],
  ])('refuses %s (403)', (_name, path) => {
    expect(resolveMediaRequest(media(path), roots)).toMatchObject({ status: 403 });
  });

  it.each([
    'storycore-media://scratch/job_1/scratch.mp4',
    'storycore-media://render.evil/job_1/shot.mp4',
    'storycore-media://x@render/job_1/shot.mp4',
    'storycore://app/index.html',
    'file:///etc/passwd',
  ])('refuses %j: not a render URL (403)', (url) => {
    expect(resolveMediaRequest(url, roots)).toMatchObject({ status: 403 });
  });

  it('refuses an overlong URL (403)', () => {
    expect(resolveMediaRequest(media(`job_1/${'a'.repeat(3000)}.mp4`), roots)).toMatchObject({ status: 403 });
  });

  it('answers 404 for missing files, dangling links, folders and job folders', () => {
    expect(resolveMediaRequest(media('job_1/none.mp4'), roots)).toMatchObject({ status: 404 });
    expect(resolveMediaRequest(media('job_2/shot.mp4'), roots)).toMatchObject({ status: 404 });
    expect(resolveMediaRequest(media('job_1/dangling.mp4'), roots)).toMatchObject({ status: 404 });
    expect(resolveMediaRequest(media('job_1/shot_frames'), roots)).toMatchObject({ status: 404 });
    expect(resolveMediaRequest(media('job_1'), roots)).toMatchObject({ status: 404 });
  });

  it('answers 404 when no root exists yet, and refuses relative roots', () => {
    expect(resolveMediaRequest(media('job_1/shot.mp4'), [join(base, 'no-renders-yet')])).toMatchObject({ status: 404 });
    expect(resolveMediaRequest(media('job_1/shot.mp4'), [])).toMatchObject({ status: 404 });
    expect(() => resolveMediaRequest(media('job_1/shot.mp4'), ['renders'])).toThrow(TypeError);
  });

  it('looks in every root, in order', () => {
    const other = join(base, 'other-renders');
    mkdirSync(join(other, 'job_9'), { recursive: true });
    writeFileSync(join(other, 'job_9', 'b.mp4'), 'b');
    expect(resolveMediaRequest(media('job_9/b.mp4'), [renders, other])).toEqual({ file: join(other, 'job_9', 'b.mp4') });
  });
});

describe('parseRange', () => {
  it('means the whole file without a usable header', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('', 100)).toBeNull();
    expect(parseRange('bytes=', 100)).toBeNull();
    expect(parseRange('bytes=-', 100)).toBeNull();
    expect(parseRange('items=0-5', 100)).toBeNull();
    expect(parseRange('bytes=abc-def', 100)).toBeNull();
    expect(parseRange('bytes=5-2', 100)).toBeNull();
    expect(parseRange('bytes=-5-2', 100)).toBeNull();
  });

  it('answers several ranges with the whole file', () => {
    expect(parseRange('bytes=0-1,5-9', 100)).toBeNull();
    expect(parseRange('bytes=0-1, 50-', 100)).toBeNull();
  });

  it('reads a closed range, clamping its end to the file', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=10-10', 100)).toEqual({ start: 10, end: 10 });
    expect(parseRange('bytes=90-200', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('BYTES = 1 - 2', 100)).toEqual({ start: 1, end: 2 });
    expect(parseRange(`bytes=0-${'9'.repeat(400)}`, 100)).toEqual({ start: 0, end: 99 });
  });

  it('reads an open range (what <video> sends) and a suffix range', () => {
    expect(parseRange('bytes=0-', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=99-', 100)).toEqual({ start: 99, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
  });

  it('is unsatisfiable (416) past the end, for an empty suffix or an empty file', () => {
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=100-200', 100)).toBe('unsatisfiable');
    expect(parseRange(`bytes=${'9'.repeat(400)}-`, 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=-1', 0)).toBe('unsatisfiable');
  });
});

describe('mediaContentType', () => {
  it.each([
    ['shot.mp4', 'video/mp4'],
    ['shot.webm', 'video/webm'],
    ['shot.MOV', 'video/quicktime'],
    ['0001.png', 'image/png'],
    ['shot.json', 'application/json'],
    ['shot.html', 'application/octet-stream'],
    ['noext', 'application/octet-stream'],
  ])('%s → %s', (file, type) => {
    expect(mediaContentType(file)).toBe(type);
  });
});
