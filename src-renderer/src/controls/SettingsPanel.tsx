import { useState, type FormEvent } from 'react';
import type { CircuitStats } from '../../../src-preload/contract.ts';
import { useStudio } from '../store.ts';
import { useSend } from '../studio-context.tsx';

/** The thresholds an operator tunes live; the host owns validation, so the form only converts and forwards. */
const FIELDS = [
  { key: 'failureThreshold', label: 'Failures to open' },
  { key: 'recoveryTimeoutMs', label: 'Recovery timeout (ms)' },
  { key: 'successThreshold', label: 'Successes to close' },
  { key: 'timeoutMs', label: 'Call timeout (ms)' },
  { key: 'maxConcurrent', label: 'Max concurrent' },
] as const;

type Field = (typeof FIELDS)[number]['key'];
type Draft = Record<Field, string>;

/** Stats carry the config in snake_case seconds; the command takes camelCase milliseconds. */
function draftOf(config: CircuitStats['config']): Draft {
  return {
    failureThreshold: String(config.failure_threshold),
    recoveryTimeoutMs: String(Math.round(config.recovery_timeout * 1000)),
    successThreshold: String(config.success_threshold),
    timeoutMs: String(Math.round(config.timeout * 1000)),
    maxConcurrent: String(config.max_concurrent),
  };
}

/** Every circuit's thresholds, one small form each. */
export function SettingsPanel() {
  // Only the configs, as one string: the stats in `circuits` change several times a second under
  // load and would re-render every form for nothing.
  const configs = useStudio((s) => JSON.stringify(Object.fromEntries(Object.entries(s.circuits).map(([name, c]) => [name, { config: c.config }]))));
  const circuits = JSON.parse(configs) as Record<string, Pick<CircuitStats, 'config'>>;
  const names = Object.keys(circuits).sort();
  return (
    <section aria-label="Circuit settings" className="settings panel">
      <h2>Circuit settings</h2>
      <div className="settings-grid">
        {names.map((name) => {
          const draft = draftOf(circuits[name]!.config);
          // Keyed by the applied config, so a change from anywhere (this form, the CLI, another window) refills the form.
          return <CircuitSettings key={`${name}:${JSON.stringify(draft)}`} name={name} applied={draft} />;
        })}
      </div>
    </section>
  );
}

function CircuitSettings({ name, applied }: { name: string; applied: Draft }) {
  // Each form shows its own refusal, under its fields.
  const send = useSend('caller');
  const [draft, setDraft] = useState(applied);
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const dirty = FIELDS.some(({ key }) => draft[key] !== applied[key]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const patch: Partial<Record<Field, number>> = {};
    for (const { key } of FIELDS) {
      const value = draft[key].trim();
      // An empty box would otherwise reach the host as 0 and read like a deliberate setting.
      if (value === '' || !Number.isFinite(Number(value))) {
        setError(`${key}: enter a number`);
        return;
      }
      patch[key] = Number(value);
    }
    setBusy(true);
    const reply = await send({ type: 'configureCircuit', circuit: name, patch });
    setBusy(false);
    setError(reply.ok ? undefined : reply.error.message);
  };

  return (
    <form className="circuit-settings" data-testid={`circuit-settings-${name}`} onSubmit={(e) => void submit(e)} aria-label={`${name} settings`}>
      {/* Not disabled while sending: disabling would drop keyboard focus from the Apply button. */}
      <fieldset aria-busy={busy}>
        <legend>{name}</legend>
        {FIELDS.map(({ key, label }) => (
          <label key={key}>
            <span>{label}</span>
            <input
              type="number"
              inputMode="numeric"
              data-testid={`circuit-field-${name}-${key}`}
              name={key}
              value={draft[key]}
              aria-invalid={error?.includes(key) ? true : undefined}
              onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
            />
          </label>
        ))}
        <button type="submit" data-testid={`circuit-apply-${name}`}>
          Apply{dirty ? ' (unsaved changes)' : ''}
        </button>
      </fieldset>
      {error ? (
        <p className="form-error" role="alert" data-testid={`circuit-error-${name}`}>
          {error}
        </p>
      ) : null}
    </form>
  );
}
