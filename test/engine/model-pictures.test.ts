/** The model's picture rules: "asset:<sha256>" keyframes and the shot's background colour. */
import { describe, expect, it } from 'vitest';
import { ShotSchema, describeIssues } from '../../src-main/engine/model.ts';

const shot = (over: Record<string, unknown>) => ({ id: 'a', duration: 2, keyframes: [{ generator: 'life' }], ...over });
const problems = (value: unknown) => {
  const parsed = ShotSchema.safeParse(value);
  return parsed.success ? [] : describeIssues(parsed.error, 'shot');
};

describe('pictures in the model', () => {
  it('takes an uploaded picture by its id, and a relative path as before', () => {
    expect(problems(shot({ keyframes: [{ image: `asset:${'0f'.repeat(32)}` }, { image: 'pictures/a.png' }] }))).toEqual([]);
  });

  it('refuses a malformed asset id with the fix', () => {
    expect(problems(shot({ keyframes: [{ image: 'asset:1234' }] })).join('\n')).toMatch(/64 hex digits .*upload the picture again/);
    expect(problems(shot({ keyframes: [{ image: `asset:${'0F'.repeat(32)}` }] })).length).toBeGreaterThan(0);
  });

  it('takes a background colour, and refuses one that is not a hex colour', () => {
    expect(ShotSchema.parse(shot({ background: '#102030' })).background).toBe('#102030');
    expect(ShotSchema.parse(shot({})).background).toBeUndefined();
    expect(problems(shot({ background: 'white' }))).toEqual(['background: background must be a hex colour like #000000']);
  });
});
