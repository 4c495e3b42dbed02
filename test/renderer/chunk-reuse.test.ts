import { describe, expect, it } from 'vitest';
import { chunkRows, reuseLine, reuseSummary, type TraceChunk } from '../../src-renderer/src/queue/chunk-reuse.ts';
import type { PipelineTrace } from '../../src-preload/contract.ts';

describe('what the window says about reused chunks', () => {
  it('has a queue line only when the store gave something or found something wrong', () => {
    expect(reuseLine(undefined)).toBeNull();
    expect(reuseLine({ reused: 0, rendered: 7, corrupt: 0, savedSeconds: 0 })).toBeNull();
    expect(reuseLine({ reused: 5, rendered: 3, corrupt: 0, savedSeconds: 80 })).toBe('♻ 5 of 8 chunks reused · 1 min 20 s saved');
    expect(reuseLine({ reused: 0, rendered: 1, corrupt: 1, savedSeconds: 0 })).toBe('♻ 0 of 1 chunk reused · ⚠ 1 stored chunk corrupt, redone');
  });

  it('lists corrupt chunks first, then rendered, then reused, each in the stage order', () => {
    const chunks: TraceChunk[] = [
      { stage: 'frame_processing', detail: 'segment 0', key: 'a', outcome: 'reused', workMs: 4000 },
      { stage: 'interpolation', detail: 'chunk 1/2', key: 'b', outcome: 'rendered', workMs: 12_400, stored: false, },
      { stage: 'interpolation', detail: 'chunk 2/2', key: 'c', outcome: 'corrupt', reason: 'holds 12 frames, expected 36' },
      { stage: 'export', detail: 'mp4', key: 'd', outcome: 'reused' },
    ];
    const rows = chunkRows(chunks);
    expect(rows.map((r) => r.detail)).toEqual(['chunk 2/2', 'chunk 1/2', 'segment 0', 'mp4']);
    expect(rows[0]).toMatchObject({ label: '⚠ corrupt in the store, rendered again', note: 'holds 12 frames, expected 36', time: null });
    expect(rows[1]).toMatchObject({ note: 'not kept in the store', time: '12 s' });
  });

  it('sums the trace up, and says when the store was not read', () => {
    const base = { chaos: [], fanOut: 'parallel', interpolation: { requested: 'blend', used: 'blend' }, degradations: [], attempts: [], stageTimingsMs: {} } as unknown as PipelineTrace;
    expect(reuseSummary(base)).toBeNull();
    expect(reuseSummary({ ...base, reuse: { read: true, reused: 3, rendered: 5, corrupt: 0, savedMs: 42_000 } })).toBe('3 reused, 5 rendered, 0 corrupt; 42 s of render time saved.');
    expect(reuseSummary({ ...base, reuse: { read: false, reused: 0, rendered: 8, corrupt: 0, savedMs: 0 } })).toMatch(/not read .* 8 chunks rendered/);
  });
});
