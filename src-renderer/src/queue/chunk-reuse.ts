/**
 * What the window says about the chunk store's part in a job: the queue row's reuse line while a
 * job runs, and the job detail's list of chunks from its trace. Pure, so it is tested under Node.
 */
import type { Job, PipelineTrace } from '../../../src-preload/contract.ts';
import { formatSeconds } from './queue-model.ts';

type Counts = NonNullable<Job['chunks']>;
export type TraceChunk = NonNullable<PipelineTrace['chunks']>[number];

/** "♻ 5 of 8 chunks reused · 1 m 20 s saved", or null when the store gave nothing and found nothing wrong. */
export function reuseLine(counts: Counts | undefined): string | null {
  if (!counts || (counts.reused === 0 && counts.corrupt === 0)) return null;
  const total = counts.reused + counts.rendered;
  const parts = [`♻ ${counts.reused} of ${total} chunk${total === 1 ? '' : 's'} reused`];
  if (counts.savedSeconds > 0) parts.push(`${formatSeconds(counts.savedSeconds)} saved`);
  if (counts.corrupt > 0) parts.push(`⚠ ${counts.corrupt} stored chunk${counts.corrupt === 1 ? '' : 's'} corrupt, redone`);
  return parts.join(' · ');
}

const OUTCOME_LABEL: Record<TraceChunk['outcome'], string> = {
  corrupt: '⚠ corrupt in the store, rendered again',
  rendered: '● rendered',
  reused: '♻ reused',
};
/** Trouble first, then what was rendered, then what was reused; within each, in the stage's order. */
const OUTCOME_ORDER: Record<TraceChunk['outcome'], number> = { corrupt: 0, rendered: 1, reused: 2 };

export interface ChunkRow {
  stage: string;
  detail: string;
  outcome: TraceChunk['outcome'];
  label: string;
  /** Rendered: its time; reused: the time it stood for. */
  time: string | null;
  note: string | null;
}

export function chunkRows(chunks: readonly TraceChunk[]): ChunkRow[] {
  return chunks
    .map((c, i) => ({ c, i }))
    .sort((a, b) => OUTCOME_ORDER[a.c.outcome] - OUTCOME_ORDER[b.c.outcome] || a.i - b.i)
    .map(({ c }) => ({
      stage: c.stage,
      detail: c.detail,
      outcome: c.outcome,
      label: OUTCOME_LABEL[c.outcome],
      time: c.workMs === undefined ? null : formatSeconds(Math.max(1, Math.round(c.workMs / 1000))),
      note: c.reason ?? (c.outcome === 'rendered' && c.stored === false ? 'not kept in the store' : null),
    }));
}

/** The trace's one-line account of reuse: "3 reused, 5 rendered, 0 corrupt; 42 s of render time saved". */
export function reuseSummary(trace: PipelineTrace): string | null {
  const r = trace.reuse;
  if (!r) return null;
  if (!r.read) return `The store was not read (a full render was asked for): ${r.rendered} chunk${r.rendered === 1 ? '' : 's'} rendered.`;
  const saved = r.savedMs > 0 ? `; ${formatSeconds(Math.max(1, Math.round(r.savedMs / 1000)))} of render time saved` : '';
  return `${r.reused} reused, ${r.rendered} rendered, ${r.corrupt} corrupt${saved}.`;
}
