import { useCallback, useEffect, useState } from 'react';
import type { CircuitAnalysis } from '../../../src-preload/contract.ts';
import { useSend } from '../studio-context.tsx';
import { dateTime } from '../format.ts';
import { heat, opensGrid, stageGrid } from './analysis-model.ts';

const SPANS = [7, 30, 90] as const;
const PIPELINE = ['frame_processing', 'interpolation', 'export'];
const shortDay = (day: string) => day.slice(5);

/** A row of day cells, shaded by heat: one square per day, the figure in its title and its text. */
function DayCells({ cells, label }: { cells: { day: string; value: number; level: number; title: string }[]; label: string }) {
  return (
    <div className="day-cells" role="list" aria-label={label}>
      {cells.map((c) => (
        <span key={c.day} role="listitem" className={`day-cell heat-${c.level}`} title={c.title} aria-label={c.title}>
          {c.value > 0 ? c.value : ''}
        </span>
      ))}
    </div>
  );
}

/**
 * Circuit behaviour over days, from the host's stored history (the `analysis` command): opens per
 * circuit per day, attempts that failed or timed out per stage per day, and the causes of the failed
 * attempts. Asked for on opening and on each change of span, never streamed: it is history.
 */
export function AnalysisPanel() {
  const send = useSend('caller');
  const [days, setDays] = useState<number>(7);
  const [analysis, setAnalysis] = useState<CircuitAnalysis | null>(null);
  const [error, setError] = useState<string | undefined>();
  const load = useCallback(async () => {
    const reply = await send({ type: 'analysis', days });
    if (reply.ok) {
      setAnalysis(reply.result);
      setError(undefined);
    } else setError(reply.error.message);
  }, [send, days]);
  useEffect(() => void load(), [load]);

  const opens = analysis ? opensGrid(analysis) : null;
  const stages = analysis ? stageGrid(analysis, PIPELINE) : null;
  return (
    <section className="panel analysis" aria-labelledby="analysis-title" data-testid="analysis" data-days={analysis?.days ?? ''}>
      <div className="panel-header">
        <h2 id="analysis-title">Circuit analysis</h2>
        <span className="analysis-spans" role="group" aria-label="Span">
          {SPANS.map((n) => (
            <button key={n} type="button" aria-pressed={days === n} data-testid={`analysis-span-${n}`} onClick={() => setDays(n)}>
              {n} days
            </button>
          ))}
          <button type="button" data-testid="analysis-refresh" onClick={() => void load()}>
            Refresh
          </button>
        </span>
      </div>
      {error ? <p role="alert">{error}</p> : null}
      {analysis && opens && stages ? (
        <>
          <p className="hint">
            The last {analysis.days} days (UTC), oldest left. {analysis.jobsScanned} finished jobs read{analysis.jobsCapped ? ' (the newest only: more finished in the span)' : ''}
            {analysis.historySince !== null && analysis.historySince > analysis.since ? `; circuit history kept since ${dateTime(analysis.historySince)}, earlier days not known` : ''}.
          </p>
          <div className="analysis-grid">
            <h3>Opens per circuit per day</h3>
            <span className="day-axis" aria-hidden="true">
              {shortDay(analysis.dayList[0]!)} … {shortDay(analysis.dayList.at(-1)!)}
            </span>
            {opens.rows.length === 0 ? <p className="muted">No circuit opened in these days.</p> : null}
            {opens.rows.map((row) => (
              <div key={row.circuit} className="analysis-row" data-testid={`analysis-opens-${row.circuit}`} data-total={row.total}>
                <span className="analysis-name">{row.circuit}</span>
                <DayCells
                  label={`${row.circuit}: opens per day`}
                  cells={row.cells.map((c) => ({ day: c.day, value: c.opens + c.forcedOpens, level: heat(c.opens + c.forcedOpens, opens.max), title: `${c.day}: ${c.opens} opened, ${c.forcedOpens} forced open` }))}
                />
                <span className="analysis-total">{row.total}</span>
              </div>
            ))}
            <h3>Failed attempts per stage per day (timeouts among them), and slow ones</h3>
            <span />
            {stages.rows.length === 0 ? <p className="muted">No finished job in these days.</p> : null}
            {stages.rows.map((row) => (
              <div key={row.stage} className="analysis-row" data-testid={`analysis-stage-${row.stage}`} data-failed={row.failed} data-timeouts={row.timeouts} data-slow={row.slow}>
                <span className="analysis-name">{row.stage}</span>
                <DayCells
                  label={`${row.stage}: failed attempts per day`}
                  cells={row.cells.map((c) => ({ day: c.day, value: c.failed, level: heat(c.failed, stages.max), title: `${c.day}: ${c.attempts} attempts, ${c.failed} failed, ${c.timeouts} timed out, ${c.slow} slow` }))}
                />
                <span className="analysis-total">
                  {row.failed}/{row.attempts} failed · {row.timeouts} timed out · {row.slow} slow
                </span>
              </div>
            ))}
          </div>
          <h3>Causes of failure</h3>
          <table data-testid="analysis-causes">
            <thead>
              <tr>
                <th scope="col">Attempts</th>
                <th scope="col">Stage</th>
                <th scope="col">Cause (figures as #)</th>
                <th scope="col">Last</th>
              </tr>
            </thead>
            <tbody>
              {analysis.causes.length === 0 ? (
                <tr>
                  <td colSpan={4} className="muted">
                    No failed attempt in these days.
                  </td>
                </tr>
              ) : (
                analysis.causes.map((c) => (
                  <tr key={`${c.stage}:${c.cause}`} data-testid="analysis-cause">
                    <td>{c.count}</td>
                    <td>{c.stage}</td>
                    <td className="analysis-cause">{c.cause}</td>
                    <td>{dateTime(c.lastAt)}</td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </>
      ) : error ? null : (
        <p className="muted">Reading the stored history…</p>
      )}
    </section>
  );
}
