import { describe, expect, it } from 'vitest';
import { type FolderFile, insideFolder, openProjectFolder } from '../../src-renderer/src/queue/project-folder.ts';

const project = (images: string[]) => JSON.stringify({ version: 1, name: 'trip', shots: [{ id: 'a', duration: 2, keyframes: images.map((image) => ({ image })) }, { id: 'b', duration: 1, keyframes: [{ generator: 'life' }] }] });
const folder = (json: string, pictures: string[]): FolderFile<string>[] => [{ path: 'trip/project.json', file: json }, ...pictures.map((p) => ({ path: `trip/${p}`, file: `bytes of ${p}` }))];
const readText = async (file: string) => file;

describe('opening a project folder', () => {
  it('uploads each picture once and rewrites the image paths to asset ids', async () => {
    const uploaded: string[] = [];
    const upload = async (file: string, name: string) => (uploaded.push(name), { id: `${name.length}`.padStart(64, '0'), name, width: 640, height: 360, hasAlpha: false, thumbnailUrl: '' });
    const outcome = await openProjectFolder(folder(project(['pictures/one.png', './pictures/one.png', 'two.jpg']), ['pictures/one.png', 'two.jpg']), readText, upload);
    if (!('project' in outcome)) throw new Error(outcome.problems.join('\n'));
    expect(uploaded.sort()).toEqual(['one.png', 'two.jpg']);
    expect(outcome).toMatchObject({ shots: 2, name: 'trip' });
    const keyframes = (outcome.project as { shots: { keyframes: unknown[] }[] }).shots[0]!.keyframes;
    expect(keyframes).toEqual([{ image: `asset:${'7'.padStart(64, '0')}` }, { image: `asset:${'7'.padStart(64, '0')}` }, { image: `asset:${'7'.padStart(64, '0')}` }]);
  });

  it('refuses a non-picture at its keyframe, a missing picture and a path out of the folder', async () => {
    const upload = async (_file: string, name: string) => ({ name, problem: `${name} is not a picture` });
    expect(await openProjectFolder(folder(project(['notes.png']), ['notes.png']), readText, upload)).toEqual({ problems: ['shots[0].keyframes[0].image: notes.png: notes.png is not a picture'] });
    const missing = await openProjectFolder(folder(project(['gone.png', '../outside.png']), []), readText, upload);
    expect(missing).toEqual({ problems: [expect.stringMatching(/keyframes\[0\]\.image: file not found in the folder: gone\.png/), expect.stringMatching(/keyframes\[1\]\.image: .*must stay inside the project folder/)] });
    expect(await openProjectFolder([{ path: 'x/a.png', file: '' }], readText, upload)).toEqual({ problems: [expect.stringMatching(/no project\.json/)] });
  });

  it('keeps a keyframe path inside the folder', () => {
    expect(insideFolder('trip', 'a/../b.png')).toBe('trip/b.png');
    expect(insideFolder('trip', '../b.png')).toBeNull();
    expect(insideFolder('', '/etc/passwd')).toBeNull();
  });
});
