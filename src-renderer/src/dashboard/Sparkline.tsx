import { memo } from 'react';
import { Line, LineChart, XAxis, YAxis } from 'recharts';
import { useStudio } from '../store.ts';
import { DASH, usePalette } from './palette.ts';
import { type CallRates, SPARK_POINTS } from './series.ts';

const SERIES = [
  { key: 'calls', label: 'calls' },
  { key: 'failures', label: 'failed' },
  { key: 'timeouts', label: 'timeouts' },
  { key: 'rejections', label: 'rejected' },
] as const satisfies readonly { key: keyof CallRates; label: string }[];

const EMPTY: CallRates[] = [];
const fmtRate = (x: number) => (x >= 100 ? Math.round(x).toString() : x.toFixed(x >= 10 || Number.isInteger(x) ? 0 : 1));

/**
 * Two minutes of per-second call, failure, timeout and rejection rates for one circuit. Its data
 * changes once a second, so it re-renders once a second whatever the card around it does.
 */
export const Sparkline = memo(function Sparkline({ name }: { name: string }) {
  const data = useStudio((s) => s.callRates[name] ?? EMPTY);
  const palette = usePalette();
  const last = data[data.length - 1];
  const end = last?.at ?? 0;
  const summary = last ? SERIES.map((s) => `${s.label} ${fmtRate(last[s.key])}/s`).join(', ') : 'no samples yet';
  return (
    <div className="sparkline" data-testid={`sparkline-${name}`} data-points={data.length}>
      <div role="img" aria-label={`${name}, last 2 minutes: ${summary}`} className="sparkline-chart">
        <LineChart responsive style={{ width: '100%', height: 44 }} data={data} margin={{ top: 2, right: 2, bottom: 2, left: 2 }} accessibilityLayer={false}>
          <XAxis dataKey="at" type="number" domain={[end - SPARK_POINTS * 1000, end]} hide allowDataOverflow />
          <YAxis hide domain={[0, (max: number) => Math.max(1, max)]} />
          {/* Calls drawn last, on top: at zero every line overlaps and the baseline should read as calls. */}
          {[...SERIES].reverse().map((s) => (
            <Line key={s.key} className={`series-${s.key}`} dataKey={s.key} stroke={palette[s.key]} strokeDasharray={DASH[s.key]} strokeWidth={1.5} dot={false} isAnimationActive={false} type="linear" />
          ))}
        </LineChart>
      </div>
      <ul className="legend" aria-hidden="true">
        {SERIES.map((s) => (
          <li key={s.key}>
            <svg width="16" height="6" className="legend-swatch">
              <line x1="0" y1="3" x2="16" y2="3" stroke={palette[s.key]} strokeWidth="2" strokeDasharray={DASH[s.key]} />
            </svg>
            {s.label} {last ? fmtRate(last[s.key]) : '—'}
          </li>
        ))}
        <li>per s</li>
      </ul>
    </div>
  );
});
