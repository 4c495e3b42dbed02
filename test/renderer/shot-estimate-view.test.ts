import { describe, expect, it } from 'vitest';
import type { ShotEstimate } from '../../src-preload/contract.ts';
import { buildEstimate, defaultShotValues, estimateView } from '../../src-renderer/src/queue/shot-form-model.ts';

const stage = { expectedSeconds: 10, chunks: 1, figureSource: 'builtin' as const };
const estimate = (over: Partial<ShotEstimate> = {}): ShotEstimate => ({
  shotId: 'shot_1', quality: 'preview', expectedSeconds: 80, stages: { frame_processing: stage, interpolation: stage, export: stage }, ...over,
});

describe('the shot form asks for an estimate', () => {
  it('builds the estimate command from the same project as Add, and none while the form has problems', () => {
    const values = defaultShotValues(1);
    const command = buildEstimate(values);
    expect(command).toMatchObject({ type: 'estimate', project: { shots: [{ id: 'shot_1', resolution: { width: 640, height: 360 } }] } });
    expect(command).not.toHaveProperty('priority');
    expect(buildEstimate({ ...values, width: '641' })).toBeNull();
    expect(buildEstimate({ ...values, priority: '500' })).toBeNull();
  });

  it('shows the estimate, a refusal with its fixes, or why there is none', () => {
    expect(estimateView({ ok: true, result: [estimate()] })).toEqual({ kind: 'estimate', text: 'Expected render time ≈ 1 m 20 s at preview.' });
    const refusal = { stage: 'interpolation' as const, circuit: 'video_interpolation', message: 'interpolation … Fix: choose a lower quality than final, …', fixes: ['a', 'b', 'c'], stageExpectedSeconds: 900, neededTimeoutMs: 200_000 };
    expect(estimateView({ ok: true, result: [estimate({ refusal })] })).toEqual({ kind: 'refused', text: `This shot would be refused: ${refusal.message}` });
    expect(estimateView({ ok: false, error: { code: 'invalid', message: 'bad' } })).toEqual({ kind: 'unknown', text: 'No estimate: bad' });
    expect(estimateView({ ok: true, result: [] }).kind).toBe('unknown');
  });
});
