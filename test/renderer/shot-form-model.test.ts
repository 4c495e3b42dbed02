import { describe, expect, it } from 'vitest';
import { CommandSchema } from '../../src-preload/contract.ts';
import { buildEnqueue, checkProjectFile, defaultShotValues, fieldOf, hostErrorAt } from '../../src-renderer/src/queue/shot-form-model.ts';

describe('the shot form', () => {
  it('builds an enqueue command the host accepts from its defaults', () => {
    const built = buildEnqueue(defaultShotValues(1));
    expect('command' in built).toBe(true);
    if (!('command' in built)) return;
    expect(CommandSchema.safeParse(built.command).success).toBe(true);
    expect(built.command).toMatchObject({ type: 'enqueue', project: { name: 'Quick shots', shots: [{ id: 'shot_1', keyframes: [{ generator: 'mandelbrot', seed: 1 }] }] } });
  });

  it('puts each problem at its field, with the schema\'s message, and builds nothing', () => {
    const values = { ...defaultShotValues(1), id: 'bad id!', duration: '0', width: '641', seed: 'x', priority: '1000', projectName: ' ' };
    const built = buildEnqueue(values);
    expect('errors' in built).toBe(true);
    if (!('errors' in built)) return;
    expect(built.errors.id).toMatch(/id may only use letters, digits/);
    expect(built.errors.duration).toMatch(/duration must be at least 0.25 seconds/);
    expect(built.errors.width).toMatch(/width must be even/);
    expect(built.errors.seed).toMatch(/^seed must be a number/);
    expect(built.errors.priority).toBe('priority must be from -100 to 100');
    expect(built.errors.projectName).toMatch(/name must not be empty/);
    expect(built.errors.form).toBeUndefined();
  });

  it('sends the background behind transparency when given, and shows a bad one at its field', () => {
    const plain = buildEnqueue(defaultShotValues(1));
    expect('command' in plain && JSON.stringify(plain.command)).not.toMatch(/background/);
    const given = buildEnqueue({ ...defaultShotValues(1), background: ' #224466 ' });
    expect(given).toMatchObject({ command: { project: { shots: [{ background: '#224466' }] } } });
    const bad = buildEnqueue({ ...defaultShotValues(1), background: 'navy' });
    expect(bad).toMatchObject({ errors: { background: expect.stringMatching(/background must be a hex colour like #000000/) } });
  });

  it('says a missing number is missing, and checks rules that span fields at the field to change', () => {
    const missing = buildEnqueue({ ...defaultShotValues(1), duration: '' });
    if (!('errors' in missing)) throw new Error('expected errors');
    expect(missing.errors.duration).toMatch(/duration must be a number of seconds/);
    const spanning = buildEnqueue({ ...defaultShotValues(1), sourceFps: '30', fps: '24' });
    if (!('errors' in spanning)) throw new Error('expected errors');
    expect(spanning.errors).toEqual({ sourceFps: expect.stringMatching(/sourceFps \(30\) must not exceed the shot's fps \(24\)/) });
    const color = buildEnqueue({ ...defaultShotValues(1), color: 'red' });
    if (!('errors' in color)) throw new Error('expected errors');
    expect(color.errors).toEqual({ color: 'color must be a hex colour like #3366ff' });
    const keyframes = buildEnqueue({ ...defaultShotValues(1), keyframeCount: '0' });
    if (!('errors' in keyframes)) throw new Error('expected errors');
    expect(keyframes.errors.keyframeCount).toMatch(/from 1 to 64/);
  });

  it('maps host field paths onto the form', () => {
    expect(fieldOf(['shots', 0, 'resolution', 'height'])).toBe('height');
    expect(fieldOf(['shots', 0, 'keyframes', 2, 'color'])).toBe('color');
    expect(fieldOf(['shots', 0, 'interpolation', 'transitionDuration'])).toBe('transitionDuration');
    expect(fieldOf(['name'])).toBe('projectName');
    expect(fieldOf(['shots'])).toBe('form');
    expect(hostErrorAt({ message: 'too short', field: 'project.shots.0.duration' })).toEqual({ duration: 'too short' });
    expect(hostErrorAt({ message: 'no images inline' })).toEqual({ form: 'no images inline' });
  });
});

describe('a picked project file', () => {
  it('lists every problem by its path, and refuses what is not JSON', () => {
    expect(checkProjectFile('{nope', 'p.json')).toEqual({ problems: [expect.stringMatching(/^p\.json is not JSON/)] });
    const bad = checkProjectFile(JSON.stringify({ version: 1, name: 'x', shots: [{ id: 'a', duration: -1, keyframes: [] }] }), 'p.json');
    expect(bad).toEqual({ problems: expect.arrayContaining([expect.stringMatching(/^shots\[0\]\.duration: /), expect.stringMatching(/^shots\[0\]\.keyframes: /)]) });
  });

  it('refuses image keyframes (the host cannot reach the picked file\'s folder) and passes a good project as written', () => {
    const withImage = { version: 1, name: 'x', shots: [{ id: 'a', duration: 1, keyframes: [{ image: 'a.png' }] }] };
    expect(checkProjectFile(JSON.stringify(withImage), 'p.json')).toEqual({ problems: [expect.stringMatching(/^shots\[0\]\.keyframes\[0\]\.image: /)] });
    const good = { version: 1, name: 'x', shots: [{ id: 'a', duration: 1, keyframes: [{ generator: 'life' }] }] };
    expect(checkProjectFile(JSON.stringify(good), 'p.json')).toEqual({ project: good, shots: 1, name: 'x' });
  });
});
