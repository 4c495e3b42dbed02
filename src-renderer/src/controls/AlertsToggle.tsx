import { useState } from 'react';
import { alertsWanted, notificationsSupported, rememberAlertsWanted } from './circuit-alerts.ts';

/**
 * "Alerts: on/off" in the control bar (serve mode): switching on asks the browser's permission, which
 * browsers allow only from a user's press, hence a button and not a prompt on load.
 */
export function AlertsToggle() {
  const [on, setOn] = useState(() => alertsWanted() && notificationsSupported() && Notification.permission === 'granted');
  const [problem, setProblem] = useState<string | null>(null);
  if (!notificationsSupported()) return null;
  const toggle = async () => {
    if (on) {
      rememberAlertsWanted(false);
      setOn(false);
      return;
    }
    const permission = Notification.permission === 'default' ? await Notification.requestPermission() : Notification.permission;
    const granted = permission === 'granted';
    rememberAlertsWanted(granted);
    setOn(granted);
    setProblem(granted ? null : 'the browser blocks notifications for this page; allow them in its site settings');
  };
  return (
    <span className="alerts-toggle">
      <button type="button" data-testid="alerts-toggle" aria-pressed={on} title="Notify when a circuit opens" onClick={() => void toggle()}>
        Alerts: {on ? 'on' : 'off'}
      </button>
      {problem ? (
        <span className="form-error" role="alert" data-testid="alerts-problem">
          {problem}
        </span>
      ) : null}
    </span>
  );
}
