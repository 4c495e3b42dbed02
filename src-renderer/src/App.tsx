import { useEffect, useMemo } from 'react';
import type { Command } from '../../src-preload/contract.ts';
import { CircuitCard, troubleRank } from './CircuitCard.tsx';
import { DrillsPanel, describeDrill } from './DrillsPanel.tsx';
import { QueueTable } from './QueueTable.tsx';
import { SettingsPanel } from './SettingsPanel.tsx';
import { useStudio } from './store.ts';
import { connectStudio, type StudioConnection } from './transport.ts';

const STOP_SHORTCUT = 'Ctrl+Shift+Backspace';

/** The studio window: control bar always on top, circuits sorted by trouble, the queue, the event log. */
export function App() {
  const studio = useMemo<StudioConnection>(() => connectStudio(), []);
  const { connection, connectionDetail, circuits, queue, chaos, log, lastError, applyBatch, setConnection, setError } = useStudio();

  useEffect(() => studio.subscribe(applyBatch), [studio, applyBatch]);
  useEffect(() => studio.onConnection(setConnection), [studio, setConnection]);

  const send = async (command: Command) => {
    const reply = await studio.send(command);
    setError(reply.ok ? undefined : reply.error.message);
    return reply;
  };
  // The panels show their own errors at the form, so their replies bypass the global error line.
  const sendFromPanel = (command: Command) => studio.send(command);
  const stop = () => void send({ type: 'emergencyStop', scope: 'immediate', reason: 'Emergency Stop button' });

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey && event.shiftKey && event.key === 'Backspace') {
        event.preventDefault();
        stop();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const sorted = Object.values(circuits).sort((a, b) => troubleRank(a) - troubleRank(b) || a.name.localeCompare(b.name));

  return (
    <div className="app">
      <header className="control-bar">
        <h1>StoryCore Studio</h1>
        <span className={`connection connection-${connection}`} data-testid="connection-status" data-state={connection}>
          {connection === 'connected' ? '● connected' : connection === 'reconnecting' ? `○ reconnecting ${connectionDetail ?? ''}` : `○ ${connection}`}
        </span>
        {queue.stopped ? (
          <span className="stopped-banner" role="status" data-testid="stopped-banner">
            STOPPED ({queue.stopped.scope === 'immediate' ? 'immediately' : 'after current'}): {queue.stopped.reason}
          </span>
        ) : queue.paused ? (
          <span className="paused-banner" role="status">Queue paused</span>
        ) : null}
        {chaos.length ? (
          // In the control bar, so a drill left running can never be mistaken for a real outage.
          <span className="drill-banner" role="status" data-testid="drill-banner">
            ⚠ DRILL ACTIVE: {describeDrill(chaos)}
            <button type="button" data-testid="drills-off" onClick={() => void send({ type: 'setChaos', rules: [] })}>
              Stop all drills
            </button>
          </span>
        ) : null}
        <div className="controls">
          <button type="button" className="stop" data-testid="emergency-stop" onClick={stop} title={`Emergency stop (${STOP_SHORTCUT})`}>
            EMERGENCY STOP <kbd>{STOP_SHORTCUT}</kbd>
          </button>
          <button type="button" data-testid="reset" onClick={() => void send({ type: 'reset', reason: 'Reset button' })}>
            Reset circuits
          </button>
          <button type="button" data-testid="resume" onClick={() => void send({ type: 'resume', reason: 'Resume button' })}>
            Resume queue
          </button>
        </div>
      </header>
      {lastError ? (
        <p className="error" role="alert" data-testid="command-error">
          {lastError}
        </p>
      ) : null}
      <main>
        <section aria-label="Circuits" className="circuits">
          {sorted.map((c) => (
            <CircuitCard key={c.name} stats={c} />
          ))}
        </section>
        <QueueTable send={send} />
        <div className="tuning">
          <DrillsPanel send={sendFromPanel} />
          <SettingsPanel send={sendFromPanel} />
        </div>
        <section aria-label="Event log" className="log">
          <h2>Events</h2>
          <ol>
            {log.slice(0, 40).map((e, i) => (
              <li key={`${i}-${e.kind}`} className={`log-${e.kind}`}>
                {describeEvent(e)}
              </li>
            ))}
          </ol>
        </section>
      </main>
    </div>
  );
}

function describeEvent(e: ReturnType<typeof useStudio.getState>['log'][number]): string {
  const time = (at: number) => new Date(at).toLocaleTimeString();
  switch (e.kind) {
    case 'circuit_transition':
      return `${time(e.entry.at)} ${e.entry.circuit}: ${e.entry.from} → ${e.entry.to} (${e.entry.reason})`;
    case 'circuit_config':
      return `${time(e.at)} ${e.circuit}: config changed`;
    case 'degradation':
      return `${time(e.at)} degraded ${e.what}: ${e.from} → ${e.to} (${e.reason.split('\n')[0]})`;
    case 'audit':
      return `${time(e.entry.at)} ${e.entry.actor}: ${e.entry.action}${e.entry.reason ? ` — ${e.entry.reason}` : ''}`;
    case 'log':
      return `${time(e.at)} ${e.message}`;
  }
}
