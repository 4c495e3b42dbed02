import { memo } from 'react';
import { STATE_ICON, STATE_LABEL } from './CircuitCard.tsx';
import { circuitOrder, useFirstPaintMark } from './CircuitGrid.tsx';
import { useStudio } from '../store.ts';

/**
 * The artist's view of circuit health: one chip per circuit, trouble first, its state by word, symbol
 * and colour. A press shows that circuit in the operator's view, so trouble is found at a glance
 * without leaving the queue, and looked into with one click.
 */
export function CircuitStrip({ onShow }: { onShow: (circuit: string) => void }) {
  const order = useStudio((s) => circuitOrder(s.circuits));
  useFirstPaintMark(order);
  const names = order ? order.split(',') : [];
  const troubled = useStudio((s) => Object.values(s.circuits).filter((c) => c.state !== 'closed').length);
  return (
    <section aria-label="Circuit health" className="circuit-strip" data-testid="circuit-strip">
      <span className={`strip-summary${troubled ? ' strip-trouble' : ''}`} role="status" data-testid="circuit-strip-summary">
        {names.length === 0 ? 'Waiting for the circuits…' : troubled ? `${troubled} of ${names.length} circuits need attention` : `All ${names.length} circuits closed`}
      </span>
      <ul>
        {names.map((name) => (
          <CircuitChip key={name} name={name} onShow={onShow} />
        ))}
      </ul>
    </section>
  );
}

const CircuitChip = memo(function CircuitChip({ name, onShow }: { name: string; onShow: (circuit: string) => void }) {
  const state = useStudio((s) => s.circuits[name]?.state);
  if (!state) return null;
  return (
    <li>
      <button type="button" className={`chip chip-${state}`} data-testid={`circuit-chip-${name}`} data-state={state} title={`${name}: ${STATE_LABEL[state]}. Show it in the operator's view`} onClick={() => onShow(name)}>
        <span className={`state-text-${state}`} aria-hidden="true">
          {STATE_ICON[state]}
        </span>{' '}
        {name.replace(/_/g, ' ')} <strong className={`state-text-${state}`}>{STATE_LABEL[state]}</strong>
      </button>
    </li>
  );
});
