import { type KeyboardEvent, lazy, Suspense, useEffect, useState } from 'react';
import { ControlBar } from './controls/ControlBar.tsx';
import { CircuitGrid } from './dashboard/CircuitGrid.tsx';
import { EventLog } from './dashboard/EventLog.tsx';
import { Timeline } from './dashboard/Timeline.tsx';
import { DrillsPanel } from './controls/DrillsPanel.tsx';
import { HistoryView } from './history/HistoryView.tsx';
import { QueueTable } from './queue/QueueTable.tsx';
import { SettingsPanel } from './controls/SettingsPanel.tsx';
import { useStudio } from './store.ts';
import { useStudioConnection } from './studio-context.tsx';
import { coalesceBatches } from './coalesce.ts';

// recharts is most of the bundle's weight and only the resource charts use it: loaded after the
// first paint, so the cards are on screen before it is even parsed.
const ResourceCharts = lazy(() => import('./dashboard/ResourceCharts.tsx').then((m) => ({ default: m.ResourceCharts })));

/** The dashboard redraws at most 5 times a second, however busy the host: see coalesce.ts. */
const APPLY_EVERY_MS = 200;

const VIEWS = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'history', label: 'History' },
] as const;
type View = (typeof VIEWS)[number]['id'];
const viewFromHash = (): View => (location.hash === '#history' ? 'history' : 'dashboard');

/** The studio window: the control bar on top in every view, then the live dashboard or the history. */
export function App() {
  const studio = useStudioConnection();
  const applyBatches = useStudio((s) => s.applyBatches);
  const setConnection = useStudio((s) => s.setConnection);
  const sampleTick = useStudio((s) => s.sampleTick);
  const lastError = useStudio((s) => s.lastError);
  const stopped = useStudio((s) => s.queue.stopped !== null);
  const painted = useStudio((s) => s.firstPaintDone);
  const [view, setView] = useState<View>(viewFromHash);

  useEffect(() => studio.subscribe(coalesceBatches(applyBatches, APPLY_EVERY_MS)), [studio, applyBatches]);
  useEffect(() => studio.onConnection(setConnection), [studio, setConnection]);
  // A click on a "circuit opened" desktop notification: show that circuit's card and focus it.
  useEffect(
    () =>
      studio.onFocusCircuit?.((circuit) => {
        show('dashboard');
        requestAnimationFrame(() => {
          const card = document.querySelector<HTMLElement>(`[data-testid="circuit-card-${CSS.escape(circuit)}"]`);
          card?.scrollIntoView({ block: 'center' });
          card?.focus();
        });
      }),
    [studio],
  );
  // The charts' clock: one sample a second of whatever the stream last said.
  useEffect(() => {
    const timer = setInterval(() => sampleTick(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [sampleTick]);

  const show = (next: View) => {
    setView(next);
    history.replaceState(null, '', next === 'dashboard' ? location.pathname : `#${next}`);
  };
  // Tabs per the ARIA pattern: arrows move between them, the panel follows.
  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    const index = VIEWS.findIndex((v) => v.id === view);
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (!step) return;
    event.preventDefault();
    const next = VIEWS[(index + step + VIEWS.length) % VIEWS.length]!.id;
    show(next);
    document.getElementById(`tab-${next}`)?.focus();
  };

  return (
    <div className={`app${stopped ? ' app-stopped' : ''}`}>
      <ControlBar>
        <nav role="tablist" aria-label="Views" className="tabs">
          {VIEWS.map((v) => (
            <button
              key={v.id}
              type="button"
              role="tab"
              id={`tab-${v.id}`}
              data-testid={`tab-${v.id}`}
              aria-selected={view === v.id}
              aria-controls={`view-${v.id}`}
              tabIndex={view === v.id ? 0 : -1}
              onClick={() => show(v.id)}
              onKeyDown={onTabKey}
            >
              {v.label}
            </button>
          ))}
        </nav>
      </ControlBar>
      {lastError ? (
        <p className="error" role="alert" data-testid="command-error">
          {lastError}
        </p>
      ) : null}
      <main id={`view-${view}`} role="tabpanel" aria-labelledby={`tab-${view}`}>
        {view === 'dashboard' ? (
          <>
            <CircuitGrid />
            <Timeline />
            {/* Mounted after the first paint: what is above the fold comes first (bench/ui.ts measures it). */}
            {painted ? (
              <>
                <QueueTable />
                <div className="dash-row">
                  <Suspense fallback={<section className="panel resources-placeholder" aria-busy="true" />}>
                    <ResourceCharts />
                  </Suspense>
                  <EventLog />
                </div>
                <div className="tuning">
                  <DrillsPanel />
                  <SettingsPanel />
                </div>
              </>
            ) : null}
          </>
        ) : (
          <HistoryView />
        )}
      </main>
    </div>
  );
}
