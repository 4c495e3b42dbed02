import { memo } from 'react';
import { useStudio } from '../store.ts';
import { CALL_WINDOW_S, type ChartCall, EMPTY_CALLS, callSummary } from './call-chart.ts';

const W = 240;
const H = 66;
const LEFT = 28;
const TOP = 4;
const BOTTOM = 11;
const R = 3;
const Y_TICKS = [
  { ms: 10, label: '10ms' },
  { ms: 1000, label: '1s' },
  { ms: 60_000, label: '1m' },
];

/** Each outcome is a shape as well as a colour, so the chart never depends on colour alone. */
const SHAPE: Record<ChartCall['outcome'], (x: number, y: number) => string> = {
  ok: (x, y) => `M${x - R} ${y}a${R} ${R} 0 1 0 ${2 * R} 0a${R} ${R} 0 1 0 ${-2 * R} 0`,
  slow: (x, y) => `M${x} ${y - R}L${x + R} ${y + R}L${x - R} ${y + R}Z`,
  failed: (x, y) => `M${x - R} ${y - R}h${2 * R}v${2 * R}h${-2 * R}Z`,
  timeout: (x, y) => `M${x - R} ${y - R}L${x + R} ${y + R}M${x + R} ${y - R}L${x - R} ${y + R}`,
};
const OUTCOMES = ['ok', 'slow', 'failed', 'timeout'] as const;

const f = (n: number) => Math.round(n * 10) / 10;

/**
 * One circuit's calls of the last 15 minutes: a dot per call at its end time, its height its
 * duration on a log scale (milliseconds to the deadline share one chart), the deadline each ran
 * under as a dashed step line, rejections as ticks on the time axis, and the time before the host
 * started shaded as not known. Plain SVG, a handful of paths whatever the number of calls, and
 * redrawn only on the store's 1 s tick (not on every batch): cheap enough for seven at once.
 */
export const CallsChart = memo(function CallsChart({ name }: { name: string }) {
  // The tick is the redraw clock; the data is read as of that tick.
  useStudio((s) => s.tick);
  const { calls: byCircuit, tick, clockOffsetMs, hostStartedAt } = useStudio.getState();
  const { calls, rejections } = byCircuit[name] ?? EMPTY_CALLS;
  const nowS = (tick + clockOffsetMs) / 1000;
  const fromS = nowS - CALL_WINDOW_S;
  const x = (at: number) => f(LEFT + ((at - fromS) / CALL_WINDOW_S) * (W - LEFT));
  let maxMs = 1000;
  for (const c of calls) maxMs = Math.max(maxMs, c.elapsed_ms, c.deadline_ms);
  const top = Math.log10(maxMs * 1.5);
  const y = (ms: number) => f(TOP + (1 - Math.log10(Math.max(1, ms)) / top) * (H - TOP - BOTTOM));

  const paths: Record<ChartCall['outcome'], string> = { ok: '', slow: '', failed: '', timeout: '' };
  let deadline = '';
  let previousDeadline: number | null = null;
  for (const c of calls) {
    const cx = x(c.at);
    paths[c.outcome] += SHAPE[c.outcome](cx, y(c.elapsed_ms));
    const dy = y(c.deadline_ms);
    deadline += previousDeadline === null ? `M${cx} ${dy}` : `H${cx}V${dy}`;
    previousDeadline = dy;
  }
  if (previousDeadline !== null) deadline += `H${W}`;
  const rejected = rejections.reduce((sum, r) => sum + r.count, 0);
  const rejectionTicks = rejections.map((r) => `M${x(r.at)} ${H - BOTTOM}v-6`).join('');
  const unknownUntil = hostStartedAt === null ? fromS : Math.min(nowS, Math.max(fromS, hostStartedAt / 1000));
  const summary = callSummary(calls);
  const label = calls.length
    ? `${name}, calls of the last 15 minutes: ${summary.ok} ok, ${summary.slow} slow, ${summary.failed} failed, ${summary.timeout} timed out, ${rejected} rejected; deadline ${summary.lastDeadlineMs} ms`
    : `${name}: no calls in the last 15 minutes${rejected ? `, ${rejected} rejected` : ''}`;

  return (
    <figure
      className="calls-chart"
      data-testid={`calls-chart-${name}`}
      data-calls={calls.length}
      data-timeouts={summary.timeout}
      data-failed={summary.failed}
      data-slow={summary.slow}
      data-rejected={rejected}
      data-deadline-line={deadline !== '' ? 'true' : 'false'}
      data-deadline-ms={summary.lastDeadlineMs ?? ''}
    >
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={label}>
        {unknownUntil > fromS ? (
          <g className="calls-unknown" data-testid={`calls-unknown-${name}`}>
            <rect x={LEFT} y={TOP} width={f(x(unknownUntil) - LEFT)} height={H - TOP - BOTTOM} />
            {x(unknownUntil) - LEFT > 50 ? (
              <text x={f((LEFT + x(unknownUntil)) / 2)} y={H / 2} textAnchor="middle">
                not known
              </text>
            ) : null}
          </g>
        ) : null}
        {Y_TICKS.filter((t) => Math.log10(t.ms) < top).map((t) => (
          <g key={t.ms} className="calls-grid">
            <line x1={LEFT} x2={W} y1={y(t.ms)} y2={y(t.ms)} />
            <text x={LEFT - 2} y={y(t.ms) + 3} textAnchor="end">
              {t.label}
            </text>
          </g>
        ))}
        <line className="calls-axis" x1={LEFT} x2={W} y1={H - BOTTOM} y2={H - BOTTOM} />
        <text className="calls-axis-label" x={LEFT} y={H - 1}>
          −15 min
        </text>
        <text className="calls-axis-label" x={W} y={H - 1} textAnchor="end">
          now
        </text>
        {deadline ? <path className="calls-deadline" d={deadline} /> : null}
        {rejectionTicks ? <path className="calls-rejected" d={rejectionTicks} /> : null}
        {OUTCOMES.map((o) => (paths[o] ? <path key={o} className={`calls-dot calls-${o}`} d={paths[o]} /> : null))}
      </svg>
      <figcaption className="legend">
        <span className="calls-key calls-key-ok">● ok {summary.ok}</span> <span className="calls-key calls-key-slow">▲ slow {summary.slow}</span>{' '}
        <span className="calls-key calls-key-failed">■ failed {summary.failed}</span> <span className="calls-key calls-key-timeout">✕ timeout {summary.timeout}</span>{' '}
        <span className="calls-key calls-key-rejected">| rejected {rejected}</span> <span className="calls-key calls-key-deadline">┄ deadline</span>
      </figcaption>
    </figure>
  );
});
