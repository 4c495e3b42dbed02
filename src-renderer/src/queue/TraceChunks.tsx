import type { PipelineTrace } from '../../../src-preload/contract.ts';
import { chunkRows, reuseSummary } from './chunk-reuse.ts';

/** The job detail's account of the chunk store: what was reused, rendered, or found corrupt and redone. */
export function TraceChunks({ trace }: { trace: PipelineTrace }) {
  const summary = reuseSummary(trace);
  if (!summary || !trace.chunks) return null;
  const rows = chunkRows(trace.chunks);
  const trouble = rows.some((r) => r.outcome === 'corrupt');
  return (
    <details className="trace-chunks" data-testid="trace-chunks" open={trouble}>
      <summary data-testid="trace-reuse">Chunks: {summary}</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col">Chunk</th>
            <th scope="col">Outcome</th>
            <th scope="col">Time</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i} data-outcome={r.outcome} data-testid="trace-chunk">
              <td>{r.stage}</td>
              <td>{r.detail}</td>
              <td className={`chunk-${r.outcome}`}>
                {r.label}
                {r.note ? <small className="why"> ({r.note})</small> : null}
              </td>
              <td className="num">{r.time ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
