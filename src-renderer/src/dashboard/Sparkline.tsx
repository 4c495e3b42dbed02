import { memo } from 'react';
import { useStudio } from '../store.ts';
import { DASH, usePalette } from './palette.ts';
import { type CallRates, SPARK_POINTS, sparkPath } from './series.ts';

const SERIES = [
  { key: 'calls', label: 'calls' },
  { key: 'failures', label: 'failed' },
  { key: 'timeouts', label: 'timeouts' },
  { key: 'rejections', label: 'rejected' },
] as const satisfies readonly { key: Exclude<keyof CallRates, 'at'>; label: string }[];

const EMPTY: CallRates[] = [];
const HEIGHT = 40;
const fmtRate = (x: number) => (x >= 100 ? Math.round(x).toString() : x.toFixed(x >= 10 || Number.isInteger(x) ? 0 : 1));

/**
 * Two minutes of per-second call, failure, timeout and rejection rates for one circuit, drawn as
 * plain SVG paths. Not recharts: seven recharts charts redrawn every second cost the page ~60 ms of
 * main-thread time a second on the project's 2-core machines (measured with bench/ui.ts); these
 * paths cost well under 1 ms. The resource charts, with axes and a tooltip, do use recharts.
 */
export const Sparkline = memo(function Sparkline({ name }: { name: string }) {
  const data = useStudio((s) => s.callRates[name] ?? EMPTY);
  const palette = usePalette();
  const last = data[data.length - 1];
  // One scale for all four lines, so a failure line reads against the calls line.
  const max = Math.max(1, ...data.map((p) => Math.max(p.calls, p.failures, p.timeouts, p.rejections)));
  const summary = last ? SERIES.map((s) => `${s.label} ${fmtRate(last[s.key])}/s`).join(', ') : 'no samples yet';
  return (
    <div className="sparkline" data-testid={`sparkline-${name}`} data-points={data.length}>
      <svg
        className="sparkline-chart"
        role="img"
        aria-label={`${name}, last 2 minutes: ${summary}; scale 0 to ${fmtRate(max)} a second`}
        viewBox={`0 0 ${SPARK_POINTS} ${HEIGHT}`}
        preserveAspectRatio="none"
        width="100%"
        height={HEIGHT + 4}
      >
        {/* Calls drawn last, on top: at zero every line overlaps and the baseline should read as calls. */}
        {[...SERIES].reverse().map((s) => (
          <path
            key={s.key}
            className={`spark-line series-${s.key}`}
            d={sparkPath(data, s.key, max, SPARK_POINTS, HEIGHT)}
            fill="none"
            stroke={palette[s.key]}
            strokeWidth={1.5}
            strokeDasharray={DASH[s.key]}
            vectorEffect="non-scaling-stroke"
          />
        ))}
      </svg>
      <ul className="legend" aria-hidden="true">
        {SERIES.map((s) => (
          <li key={s.key}>
            <svg width="16" height="6" className="legend-swatch">
              <line x1="0" y1="3" x2="16" y2="3" stroke={palette[s.key]} strokeWidth="2" strokeDasharray={DASH[s.key]} />
            </svg>
            {s.label} {last ? fmtRate(last[s.key]) : '—'}
          </li>
        ))}
        <li>per s · max {fmtRate(max)}</li>
      </ul>
    </div>
  );
});
