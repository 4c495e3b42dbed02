import { STATE_ICON, STATE_LABEL, troubleRank } from './CircuitCard.tsx';
import { clockTime } from '../format.ts';
import { useStudio } from '../store.ts';
import { type Band, type BandState, TIMELINE_MS, slotBands, stateBands, timePerState } from './state-bands.ts';

/** Drawn slots per row: 3 s each over 15 minutes, so a flapping circuit costs no more than a quiet one. */
const SLOTS = 300;
const LEGEND: BandState[] = ['closed', 'half_open', 'open', 'forced_open', 'disabled', 'unknown'];

export const bandLabel = (state: BandState) => (state === 'unknown' ? 'NOT KNOWN' : STATE_LABEL[state]);
const bandIcon = (state: BandState) => (state === 'unknown' ? '?' : STATE_ICON[state]);

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
}


/**
 * State bands per circuit over the last 15 minutes. Re-renders on the store's 1 s tick only: a live
 * transition shows within a second, and a burst of them costs one render, not one per batch.
 */
export function Timeline() {
  const tick = useStudio((s) => s.tick);
  // Also when the circuits first arrive, so the rows are there before the first tick.
  useStudio((s) => Object.keys(s.circuits).length);
  // Read, not selected: history changes with every batch under load; the tick decides when to draw.
  const { history, circuits, clockOffsetMs } = useStudio.getState();
  // The render's own time, not the tick's: a render between ticks (a parent re-rendered) must still
  // include the transitions that just arrived, or the new state would be drawn over the whole window.
  const to = Math.max(tick, Date.now()) + clockOffsetMs;
  const from = to - TIMELINE_MS;
  const rows = Object.values(circuits).sort((a, b) => troubleRank(a) - troubleRank(b) || a.name.localeCompare(b.name));
  return (
    <section className="panel timeline" aria-labelledby="timeline-title" data-testid="timeline">
      <header className="panel-header">
        <h2 id="timeline-title">Circuit states, last 15 minutes</h2>
        <ul className="timeline-legend" aria-label="Legend">
          {LEGEND.map((state) => (
            <li key={state}>
              <span className={`band-swatch band-${state}`} aria-hidden="true" />
              <span aria-hidden="true">{bandIcon(state)} </span>
              {bandLabel(state)}
            </li>
          ))}
        </ul>
      </header>
      <div className="timeline-rows">
        {rows.map((c) => {
          const bands = slotBands(stateBands(history.entries, c.name, c.state, from, to, history.completeSince), from, to, SLOTS);
          const summary = timePerState(bands)
            .map((t) => `${bandLabel(t.state)} ${duration(t.ms)}`)
            .join(', ');
          return (
            <div className="timeline-row" key={c.name} data-testid={`timeline-row-${c.name}`} data-states={[...new Set(bands.map((b) => b.state))].join(' ')}>
              <span className="timeline-name">{c.name}</span>
              <div className="timeline-bar" role="img" aria-label={`${c.name}, now ${STATE_LABEL[c.state]}; over the last 15 minutes: ${summary}`}>
                {bands.map((b: Band) => (
                  <span
                    key={b.start}
                    className={`band band-${b.state}`}
                    style={{ left: `${((b.start - from) / TIMELINE_MS) * 100}%`, width: `${((b.end - b.start) / TIMELINE_MS) * 100}%` }}
                    title={`${bandLabel(b.state)} ${clockTime(b.start)} – ${clockTime(b.end)}`}
                  />
                ))}
              </div>
              <span className={`timeline-now state-text-${c.state}`}>
                <span aria-hidden="true">{STATE_ICON[c.state]} </span>
                {STATE_LABEL[c.state]}
              </span>
            </div>
          );
        })}
      </div>
      <div className="timeline-axis" aria-hidden="true">
        <span>−15 min</span>
        <span>−10 min</span>
        <span>−5 min</span>
        <span>now</span>
      </div>
    </section>
  );
}
