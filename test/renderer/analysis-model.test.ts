import { describe, expect, it } from 'vitest';
import type { CircuitAnalysis } from '../../src-preload/contract.ts';
import { heat, opensGrid, stageGrid } from '../../src-renderer/src/history/analysis-model.ts';

const analysis = (over: Partial<CircuitAnalysis>): CircuitAnalysis => ({
  days: 3,
  since: 0,
  until: 0,
  dayList: ['2026-11-28', '2026-11-29', '2026-11-30'],
  opens: [],
  stages: [],
  causes: [],
  historySince: null,
  jobsScanned: 0,
  jobsCapped: false,
  ...over,
});

describe('analysis grids', () => {
  it('has a cell for every day, zeros on quiet days, the circuit that opened most first', () => {
    const { rows, max } = opensGrid(
      analysis({
        opens: [
          { day: '2026-11-28', circuit: 'video_export', opens: 1, forcedOpens: 0 },
          { day: '2026-11-28', circuit: 'video_interpolation', opens: 2, forcedOpens: 0 },
          { day: '2026-11-30', circuit: 'video_interpolation', opens: 0, forcedOpens: 3 },
        ],
      }),
    );
    expect(rows.map((r) => [r.circuit, r.total])).toEqual([
      ['video_interpolation', 5],
      ['video_export', 1],
    ]);
    expect(rows[0]!.cells.map((c) => c.opens + c.forcedOpens)).toEqual([2, 0, 3]);
    expect(max).toBe(3);
  });

  it('puts stages in pipeline order and sums their days', () => {
    const { rows, max } = stageGrid(
      analysis({
        stages: [
          { day: '2026-11-29', stage: 'export', attempts: 4, failed: 1, timeouts: 0, slow: 0 },
          { day: '2026-11-28', stage: 'interpolation', attempts: 5, failed: 3, timeouts: 2, slow: 1 },
          { day: '2026-11-30', stage: 'interpolation', attempts: 2, failed: 1, timeouts: 1, slow: 2 },
        ],
      }),
      ['frame_processing', 'interpolation', 'export'],
    );
    expect(rows.map((r) => r.stage)).toEqual(['interpolation', 'export']);
    expect(rows[0]).toMatchObject({ attempts: 7, failed: 4, timeouts: 3, slow: 3 });
    expect(rows[0]!.cells.map((c) => c.failed)).toEqual([3, 0, 1]);
    expect(max).toBe(3);
  });

  it('shades nothing at zero and the worst cell darkest', () => {
    expect([heat(0, 5), heat(1, 5), heat(3, 5), heat(5, 5), heat(2, 0)]).toEqual([0, 1, 3, 4, 0]);
  });
});
