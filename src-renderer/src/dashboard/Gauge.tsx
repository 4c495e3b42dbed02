import type { Tone } from './tone.ts';

export type { Tone };

/** A horizontal bar with its value as text beside it; the bar's tone repeats what the text says. */
export function Gauge({ label, value, max, text, tone }: { label: string; value: number; max: number; text: string; tone: Tone }) {
  const percent = max > 0 ? Math.min(100, Math.max(0, (value / max) * 100)) : 0;
  return (
    <div className="gauge-row">
      <span className="gauge-label">{label}</span>
      <div className="gauge" role="meter" aria-label={label} aria-valuemin={0} aria-valuemax={max} aria-valuenow={value} aria-valuetext={text}>
        <div className={`gauge-fill tone-${tone}`} style={{ width: `${percent}%` }} />
      </div>
      <span className="gauge-text">{text}</span>
    </div>
  );
}
