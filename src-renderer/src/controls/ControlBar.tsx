import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { describeDrill } from './DrillsPanel.tsx';
import { clockTime } from '../format.ts';
import { useStudio } from '../store.ts';
import { useSend, useStudioConnection } from '../studio-context.tsx';
import { AlertsToggle } from './AlertsToggle.tsx';
import { describeResume, resumePlan } from './plans.ts';
import { ResetConfirm } from './ResetControl.tsx';

export const STOP_SHORTCUT = 'Ctrl+Shift+Backspace';

/**
 * Always on top, in every view: Emergency Stop (one press, never disabled, a shortcut), Reset (arm,
 * then confirm), Resume (what it will start is shown beside it before the press), and the states an
 * operator must never miss: connection, latched stop, paused queue, active drill.
 */
export function ControlBar({ children }: { children?: ReactNode }) {
  const send = useSend();
  const host = useStudioConnection().host;
  const connection = useStudio((s) => s.connection);
  const connectionDetail = useStudio((s) => s.connectionDetail);
  const queue = useStudio((s) => s.queue);
  const chaos = useStudio((s) => s.chaos);
  // A string, so the bar re-renders when what Resume would start changes, not on every job update.
  const resumeText = useStudio((s) => describeResume(resumePlan(s.jobs)));
  const [armed, setArmed] = useState(false);
  const resetButton = useRef<HTMLButtonElement>(null);
  const bar = useRef<HTMLElement>(null);
  // Its height as a CSS variable: what sits below the bar (the job detail dialog) starts under it.
  useEffect(() => {
    const element = bar.current;
    if (!element || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => document.documentElement.style.setProperty('--control-bar-height', `${element.offsetHeight}px`));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  // Focus goes back to Reset when the confirmation closes, so the keyboard user is not dropped to the page start.
  const disarm = useCallback(() => {
    setArmed(false);
    resetButton.current?.focus();
  }, []);

  const stop = useCallback(() => void send({ type: 'emergencyStop', scope: 'immediate', reason: 'Emergency Stop button' }), [send]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey && event.shiftKey && event.key === 'Backspace') {
        event.preventDefault();
        stop();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [stop]);

  return (
    <header className="control-bar" ref={bar}>
      <div className="control-row">
        <h1>StoryCore Studio</h1>
        <span className={`connection connection-${connection}`} data-testid="connection-status" data-state={connection} role="status">
          {connection === 'connected' ? '● connected' : connection === 'reconnecting' ? `○ reconnecting ${connectionDetail ?? ''}` : `○ ${connection}`}
        </span>
        <div className="controls">
          <button type="button" className="stop" data-testid="emergency-stop" onClick={stop} title={`Emergency stop (${STOP_SHORTCUT})`} aria-keyshortcuts="Control+Shift+Backspace">
            EMERGENCY STOP <kbd>{STOP_SHORTCUT}</kbd>
          </button>
          <button type="button" ref={resetButton} data-testid="reset" aria-expanded={armed} aria-controls={armed ? 'reset-plan' : undefined} className={armed ? 'armed' : undefined} onClick={() => setArmed((a) => !a)}>
            {armed ? 'Reset armed…' : 'Reset circuits'}
          </button>
          <button type="button" data-testid="resume" aria-describedby="resume-preview" onClick={() => void send({ type: 'resume', reason: 'Resume button' })}>
            Resume queue
          </button>
        </div>
      </div>
      {queue.stopped || queue.paused || chaos.length ? (
        // Its own full-width row: the states an operator must never miss, in every view.
        <div className="control-row alerts">
          {queue.stopped ? (
            <span className="stopped-banner" role="status" data-testid="stopped-banner">
              ■ STOPPED ({queue.stopped.scope === 'immediate' ? 'immediately' : 'after current'}) at {clockTime(queue.stopped.at)}: {queue.stopped.reason}. Reset to re-arm.
            </span>
          ) : queue.paused ? (
            <span className="paused-banner" role="status" data-testid="paused-banner">
              ‖ Queue paused
            </span>
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
        </div>
      ) : null}
      <div className="control-row secondary">
        {children}
        {/* The desktop app's main process notifies by itself; the browser's alerts are for serve mode. */}
        {host === 'browser' ? <AlertsToggle /> : null}
        <span id="resume-preview" className="resume-preview" data-testid="resume-preview">
          Resume starts: {queue.stopped ? `nothing until reset (${resumeText})` : queue.paused ? resumeText : `queue running (${resumeText})`}
        </span>
      </div>
      {armed ? <ResetConfirm onDone={disarm} /> : null}
    </header>
  );
}
