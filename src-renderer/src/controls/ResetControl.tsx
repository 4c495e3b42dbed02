import { useEffect, useRef } from 'react';
import { STATE_LABEL } from '../dashboard/CircuitCard.tsx';
import { useStudio } from '../store.ts';
import { useSend } from '../studio-context.tsx';
import { resetPlan } from './plans.ts';

/**
 * Reset's second step: what it will re-arm, read live from the store while armed, with the
 * confirming button focused so the keyboard flow is Reset, Enter. Escape or Cancel disarms.
 */
export function ResetConfirm({ onDone }: { onDone: () => void }) {
  const send = useSend();
  const circuits = useStudio((s) => s.circuits);
  const queue = useStudio((s) => s.queue);
  const plan = resetPlan(circuits, queue);
  const confirm = useRef<HTMLButtonElement>(null);
  useEffect(() => confirm.current?.focus(), []);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onDone();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onDone]);
  const nothing = plan.rearm.length === 0 && !plan.clearsStop;
  return (
    <div className="reset-confirm" role="alertdialog" aria-modal="false" aria-labelledby="reset-title" aria-describedby="reset-plan" data-testid="reset-plan">
      <strong id="reset-title">Reset circuits?</strong>
      <div id="reset-plan">
        {nothing ? (
          <p>Every circuit is closed and no stop is latched: reset changes nothing.</p>
        ) : (
          <>
            {plan.rearm.length ? (
              <p>
                Re-arms {plan.rearm.length} circuit{plan.rearm.length === 1 ? '' : 's'}:{' '}
                <span data-testid="reset-rearm">{plan.rearm.map((c) => `${c.name} (${STATE_LABEL[c.state]} → CLOSED)`).join(', ')}</span>
              </p>
            ) : null}
            {plan.clearsStop ? <p data-testid="reset-clears-stop">Clears the latched emergency stop.</p> : null}
          </>
        )}
        <p className="muted">{plan.queueStaysPaused ? 'The queue stays paused: nothing starts until Resume.' : 'Reset starts nothing by itself.'}</p>
      </div>
      <div className="reset-actions">
        <button
          type="button"
          ref={confirm}
          className="confirm"
          data-testid="reset-confirm"
          onClick={() => {
            onDone();
            void send({ type: 'reset', reason: 'Reset button' });
          }}
        >
          Confirm reset
        </button>
        <button type="button" data-testid="reset-cancel" onClick={onDone}>
          Cancel <kbd>Esc</kbd>
        </button>
      </div>
    </div>
  );
}
