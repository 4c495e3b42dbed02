import { useId, useState } from 'react';
import type { StudioEvent } from '../../../src-preload/contract.ts';
import { clockTime } from '../format.ts';
import { useStudio } from '../store.ts';
import { eventAt } from './event-history.ts';

type Kind = StudioEvent['kind'];
const KINDS: { kind: Kind; label: string }[] = [
  { kind: 'circuit_transition', label: 'state changes' },
  { kind: 'circuit_config', label: 'config changes' },
  { kind: 'degradation', label: 'degradations' },
  { kind: 'audit', label: 'operator actions' },
  { kind: 'log', label: 'messages' },
];
const SHOWN = 100;

/** Stable keys for events: the store keeps each event object as it arrived, so identity is enough. */
const ids = new WeakMap<StudioEvent, number>();
let nextId = 1;
const keyOf = (e: StudioEvent) => {
  let id = ids.get(e);
  if (id === undefined) ids.set(e, (id = nextId++));
  return id;
};

/** The circuit an event is about, if any. */
export function circuitOf(e: StudioEvent): string | null {
  switch (e.kind) {
    case 'circuit_transition':
      return e.entry.circuit;
    case 'circuit_config':
      return e.circuit;
    case 'audit':
      return typeof e.entry.detail.circuit === 'string' ? e.entry.detail.circuit : null;
    default:
      return null;
  }
}

export function describeEvent(e: StudioEvent): string {
  switch (e.kind) {
    case 'circuit_transition':
      return `${e.entry.circuit}: ${e.entry.from} → ${e.entry.to} (${e.entry.reason})`;
    case 'circuit_config':
      return `${e.circuit}: config changed`;
    case 'degradation':
      return `degraded ${e.what}: ${e.from} → ${e.to} (${e.reason.split('\n')[0]})`;
    case 'audit':
      return `${e.entry.actor}: ${e.entry.action}${e.entry.reason ? ` — ${e.entry.reason}` : ''}`;
    case 'log':
      return `${e.level === 'info' ? '' : `${e.level.toUpperCase()}: `}${e.message}`;
  }
}

/** The newest events, filtered by circuit and kind: the stored history on connect, then live ones. */
export function EventLog() {
  const log = useStudio((s) => s.log);
  const names = useStudio((s) => Object.keys(s.circuits).sort().join(','));
  const [circuit, setCircuit] = useState('');
  const [kind, setKind] = useState<Kind | ''>('');
  const id = useId();
  const shown = log.filter((e) => (kind === '' || e.kind === kind) && (circuit === '' || circuitOf(e) === circuit)).slice(0, SHOWN);
  return (
    <section className="panel log" aria-labelledby={`${id}-title`} data-testid="event-log">
      <header className="panel-header">
        <h2 id={`${id}-title`}>Events</h2>
        <label>
          circuit{' '}
          <select value={circuit} onChange={(e) => setCircuit(e.target.value)} data-testid="log-filter-circuit">
            <option value="">all</option>
            {names
              .split(',')
              .filter(Boolean)
              .map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
          </select>
        </label>
        <label>
          kind{' '}
          <select value={kind} onChange={(e) => setKind(e.target.value as Kind | '')} data-testid="log-filter-kind">
            <option value="">all</option>
            {KINDS.map((k) => (
              <option key={k.kind} value={k.kind}>
                {k.label}
              </option>
            ))}
          </select>
        </label>
      </header>
      <ol aria-live="off">
        {shown.map((e) => (
          <li key={keyOf(e)} className={`log-${e.kind}${e.kind === 'log' ? ` log-${e.level}` : ''}`} data-kind={e.kind} data-audit-id={e.kind === 'audit' ? e.entry.id : undefined}>
            <time>{clockTime(eventAt(e))}</time> {describeEvent(e)}
          </li>
        ))}
        {shown.length === 0 ? <li className="muted">{log.length ? 'No event matches these filters.' : 'No events yet.'}</li> : null}
      </ol>
    </section>
  );
}
