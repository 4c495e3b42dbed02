// Chunk keys from the stage drivers themselves (no ffmpeg): stable, never shared across a parameter
// that changes the chunk's frames, and a changed last keyframe changes only the chunks that read it.
import { describe, expect, it } from 'vitest';
import { canonicalJson, chunkKey } from '../../../src-main/engine/chunk-store/store-key.ts';
import { parseProject } from '../../../src-main/engine/model.ts';
import { shared, shotKeys } from './key-harness.ts';
import { BASE_SHOT, shotOf } from './reuse-support.ts';

const SLOW = 60_000;
const frameCalls = (calls: string[]) => calls.filter((c) => c.startsWith('frame_processing:'));

describe('chunk keys', () => {
  it('are canonical: the same material in any field order is the same key, any changed value another', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: undefined }] })).toBe('{"a":[1,{"d":2}],"b":1}');
    expect(chunkKey({ a: 1, b: 2 })).toBe(chunkKey({ b: 2, a: 1 }));
    expect(chunkKey({ a: 1, b: 2 })).not.toBe(chunkKey({ a: 1, b: 3 }));
    expect(chunkKey({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('are stable: one shot, planned twice (its fields in another order), has the same keys', async () => {
    const first = await shotKeys(shotOf());
    const reordered = Object.fromEntries(Object.entries(BASE_SHOT).reverse());
    const again = await shotKeys(parseProject({ version: 1, name: 'other', quality: 'draft', shots: [reordered as typeof BASE_SHOT] }).shots[0]!);
    expect(first.size).toBeGreaterThan(20);
    expect([...again.entries()]).toEqual([...first.entries()]);
    // A different shot id renders the same frames: its chunks are shared.
    expect(shared(await shotKeys(shotOf({ id: 'renamed' })), first)).toHaveLength(first.size);
  }, SLOW);

  it('never shares a chunk between two shots differing in one parameter that changes its frames', async () => {
    const base = await shotKeys(shotOf());
    // Per change: the stages whose chunks it leaves as they are (and that must then be shared).
    const cases: { name: string; keys: Promise<Map<string, string>>; sharedStages: string[] }[] = [
      { name: 'quality', keys: shotKeys(shotOf(), 'preview'), sharedStages: [] },
      { name: 'resolution', keys: shotKeys(shotOf({ resolution: { width: 256, height: 144 } })), sharedStages: [] },
      { name: 'duration', keys: shotKeys(shotOf({ duration: 2.5 })), sharedStages: [] },
      { name: 'camera movement', keys: shotKeys(shotOf({ camera: { movement: 'pan' } })), sharedStages: [] },
      { name: 'camera easing', keys: shotKeys(shotOf({ camera: { movement: 'zoom', easing: 'linear' } })), sharedStages: [] },
      { name: 'source rate', keys: shotKeys(shotOf({ interpolation: { ...BASE_SHOT.interpolation!, sourceFps: 8 } })), sharedStages: [] },
      { name: 'transition', keys: shotKeys(shotOf({ interpolation: { ...BASE_SHOT.interpolation!, transition: 'dissolve' } })), sharedStages: ['frame_processing'] },
      { name: 'transition length', keys: shotKeys(shotOf({ interpolation: { ...BASE_SHOT.interpolation!, transitionDuration: 0.25 } })), sharedStages: [] },
      { name: 'output rate', keys: shotKeys(shotOf({ fps: 30 })), sharedStages: ['frame_processing'] },
      { name: 'interpolation method', keys: shotKeys(shotOf({ interpolation: { ...BASE_SHOT.interpolation!, method: 'blend' } })), sharedStages: ['frame_processing', 'interpolation: join'] },
      { name: 'export format', keys: shotKeys(shotOf({ export: { format: 'webm' } })), sharedStages: ['frame_processing', 'interpolation'] },
    ];
    for (const { name, keys, sharedStages } of cases) {
      const variant = await keys;
      const common = shared(variant, base);
      const allowed = (call: string) => sharedStages.some((stage) => call.startsWith(stage));
      expect(common.filter((call) => !allowed(call)), `${name}: chunks it changes are not shared`).toEqual([]);
      for (const stage of sharedStages) {
        const untouched = [...variant.keys()].filter((call) => call.startsWith(stage));
        expect(untouched.length, `${name}: ${stage} has chunks`).toBeGreaterThan(0);
        expect(untouched.filter((call) => !common.includes(call)), `${name}: what it leaves alone is shared`).toEqual([]);
      }
    }
  }, SLOW);

  it('a changed last keyframe changes only the chunks that read its frames', async () => {
    const base = await shotKeys(shotOf());
    const changed = await shotKeys(shotOf({ keyframes: [...BASE_SHOT.keyframes.slice(0, 2), { generator: 'life', seed: 4 }] }));
    const common = shared(changed, base);
    // Its own segment changes, the others do not.
    expect(frameCalls(common).every((c) => !/segment 2/.test(c))).toBe(true);
    expect(frameCalls([...changed.keys()]).filter((c) => !/segment 2/.test(c)).every((c) => common.includes(c))).toBe(true);
    // The joined source reads every segment; the chunks before the last segment (less slack) keep their keys.
    expect(common).not.toContain('interpolation: join');
    const interpolation = [...changed.keys()].filter((c) => /^interpolation: optical_flow chunk/.test(c));
    const startOf = (call: string) => Number(/frames (\d+)–/.exec(call)![1]);
    const kept = interpolation.filter((c) => common.includes(c));
    const redone = interpolation.filter((c) => !common.includes(c));
    expect(kept.length, 'interpolation chunks kept').toBeGreaterThan(0);
    expect(redone.length, 'interpolation chunks redone').toBeGreaterThan(0);
    // Kept ones come first; the last segment starts at 1.67 s (frame 40): every redone chunk reads within a second of it.
    expect(Math.max(...kept.map(startOf))).toBeLessThan(Math.min(...redone.map(startOf)));
    expect(Math.min(...redone.map(startOf))).toBeGreaterThanOrEqual(40 - 24);
  }, SLOW);
});
