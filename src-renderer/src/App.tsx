import { type KeyboardEvent, lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { ControlBar } from './controls/ControlBar.tsx';
import { CircuitGrid } from './dashboard/CircuitGrid.tsx';
import { CircuitStrip } from './dashboard/CircuitStrip.tsx';
import { circuitAlerts } from './controls/circuit-alerts.ts';
import { EventLog } from './dashboard/EventLog.tsx';
import { Timeline } from './dashboard/Timeline.tsx';
import { DrillsPanel } from './controls/DrillsPanel.tsx';
import { HistoryView } from './history/HistoryView.tsx';
import { NodesView } from './nodes/NodesView.tsx';
import { QueueTable } from './queue/QueueTable.tsx';
import { SettingsPanel } from './controls/SettingsPanel.tsx';
import { ChunkStorePanel } from './controls/ChunkStorePanel.tsx';
import { useStudio } from './store.ts';
import { useStudioConnection } from './studio-context.tsx';
import { coalesceBatches } from './coalesce.ts';

// recharts is most of the bundle's weight and only the resource charts use it: loaded after the
// first paint, so the cards are on screen before it is even parsed.
const ResourceCharts = lazy(() => import('./dashboard/ResourceCharts.tsx').then((m) => ({ default: m.ResourceCharts })));

/** The dashboard redraws at most 5 times a second, however busy the host: see coalesce.ts. */
const APPLY_EVERY_MS = 200;

/**
 * Two kinds of user, a keypress apart: the artist's Queue (the queue, the shot form, previews, and a
 * strip saying whether any circuit is in trouble) first, the operator's view (circuits, timeline,
 * events, resources, drills, settings), the history, and the render farm's nodes. The operator's view keeps the id
 * `dashboard` it had when it was the only one, so old links (and tests) still reach it.
 */
const VIEWS = [
  { id: 'queue', label: 'Queue', key: '1', hash: '' },
  { id: 'dashboard', label: 'Operator', key: '2', hash: '#operator' },
  { id: 'history', label: 'History', key: '3', hash: '#history' },
  { id: 'nodes', label: 'Nodes', key: '4', hash: '#nodes' },
] as const;
type View = (typeof VIEWS)[number]['id'];
const viewFromHash = (): View =>
  location.hash === '#history' ? 'history' : location.hash === '#nodes' ? 'nodes' : location.hash === '#operator' || location.hash === '#dashboard' ? 'dashboard' : 'queue';

/** A digit pressed while typing or inside a dialog belongs to that field or dialog, not to the view switch. */
const typingIn = (target: EventTarget | null) => target instanceof Element && target.closest('input, select, textarea, [contenteditable], dialog') !== null;

/** The studio window: the control bar on top in every view, then the queue, the operator's view, the history or the nodes. */
export function App() {
  const studio = useStudioConnection();
  const applyBatches = useStudio((s) => s.applyBatches);
  const setConnection = useStudio((s) => s.setConnection);
  const sampleTick = useStudio((s) => s.sampleTick);
  const lastError = useStudio((s) => s.lastError);
  const stopped = useStudio((s) => s.queue.stopped !== null);
  const painted = useStudio((s) => s.firstPaintDone);
  const [view, setView] = useState<View>(viewFromHash);

  const show = useCallback((next: View) => {
    setView(next);
    history.replaceState(null, '', VIEWS.find((v) => v.id === next)!.hash || location.pathname);
  }, []);
  /**
   * Shows one circuit's card in the operator's view and focuses it: what a click on a "circuit
   * opened" notification does (the desktop's, and the browser's in serve mode), and a chip of the strip.
   */
  const focusCircuit = useCallback(
    (circuit: string) => {
      show('dashboard');
      // The view mounts on React's schedule, not the browser's: look for the card for a few frames.
      let frames = 0;
      const find = () => {
        const card = document.querySelector<HTMLElement>(`[data-testid="circuit-card-${CSS.escape(circuit)}"]`);
        if (card) {
          card.scrollIntoView({ block: 'center' });
          card.focus();
        } else if (++frames < 30) requestAnimationFrame(find);
      };
      requestAnimationFrame(find);
    },
    [show],
  );

  useEffect(() => {
    const apply = coalesceBatches(applyBatches, APPLY_EVERY_MS);
    // In the desktop app the main process notifies; the browser alerts only in serve mode. One
    // subscription for both, so the alerts never take the early batches (the snapshot) from the store.
    const alert = studio.host === 'electron' ? null : circuitAlerts(focusCircuit);
    return studio.subscribe((batch) => {
      apply(batch);
      alert?.(batch);
    });
  }, [studio, applyBatches, focusCircuit]);
  useEffect(() => studio.onConnection(setConnection), [studio, setConnection]);
  useEffect(() => studio.onFocusCircuit?.(focusCircuit), [studio, focusCircuit]);
  // The charts' clock: one sample a second of whatever the stream last said.
  useEffect(() => {
    const timer = setInterval(() => sampleTick(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [sampleTick]);
  // 1, 2, 3, 4: the views, from anywhere but a field or a dialog.
  useEffect(() => {
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.ctrlKey || event.altKey || event.metaKey || event.repeat || typingIn(event.target)) return;
      const target = VIEWS.find((v) => v.key === event.key);
      if (!target) return;
      event.preventDefault();
      show(target.id);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [show]);

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
              aria-keyshortcuts={v.key}
              tabIndex={view === v.id ? 0 : -1}
              onClick={() => show(v.id)}
              onKeyDown={onTabKey}
            >
              {v.label} <kbd>{v.key}</kbd>
            </button>
          ))}
        </nav>
      </ControlBar>
      {lastError ? (
        <p className="error" role="alert" data-testid="command-error">
          {lastError}
        </p>
      ) : null}
      <main id={`view-${view}`} role="tabpanel" aria-labelledby={`tab-${view}`} className={`view-${view}`}>
        {view === 'queue' ? (
          <>
            <CircuitStrip onShow={focusCircuit} />
            <QueueTable />
          </>
        ) : view === 'dashboard' ? (
          <>
            <CircuitGrid />
            <Timeline />
            {/* Mounted after the first paint: what is above the fold comes first (bench/ui.ts measures it). */}
            {painted ? (
              <>
                <div className="dash-row">
                  <Suspense fallback={<section className="panel resources-placeholder" aria-busy="true" />}>
                    <ResourceCharts />
                  </Suspense>
                  <EventLog />
                </div>
                <div className="tuning">
                  <DrillsPanel />
                  <SettingsPanel />
                  <ChunkStorePanel />
                </div>
              </>
            ) : null}
          </>
        ) : view === 'history' ? (
          <HistoryView />
        ) : (
          <NodesView />
        )}
      </main>
    </div>
  );
}
