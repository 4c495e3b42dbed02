import { useState } from 'react';
import type { ChaosRuleView } from '../../../src-preload/contract.ts';
import { useStudio } from '../store.ts';
import { useSend } from '../studio-context.tsx';

type Stage = ChaosRuleView['stage'];
type Mode = ChaosRuleView['mode'] | 'none';

// Mirrors the host's stage and chaos mode lists; the contract's types keep the two from drifting apart.
const STAGES: readonly Stage[] = ['frame_processing', 'interpolation', 'export'];
const MODES: readonly Mode[] = ['none', 'fail', 'hang', 'crash', 'slow'];

/** How a drill reads in the banner and the log: `interpolation=hang`, with `:N` when limited to N attempts. */
export function describeDrill(rules: readonly ChaosRuleView[]): string {
  return rules.map((r) => `${r.stage}=${r.mode}${r.times === undefined ? '' : `:${r.times}`}`).join(', ');
}

/** Fault drills: one mode per stage, applied together, because the host replaces the whole rule set. */
export function DrillsPanel() {
  const chaos = useStudio((s) => s.chaos);
  // Keyed by the active rules, so the selects follow the host when a drill starts or stops elsewhere.
  return <DrillsForm key={describeDrill(chaos)} active={chaos} />;
}

function DrillsForm({ active }: { active: ChaosRuleView[] }) {
  // The panel shows its own refusals, under its form.
  const send = useSend('caller');
  const [modes, setModes] = useState<Record<Stage, Mode>>(() => {
    const initial = Object.fromEntries(STAGES.map((s) => [s, 'none'])) as Record<Stage, Mode>;
    for (const rule of active) initial[rule.stage] = rule.mode;
    return initial;
  });
  const [error, setError] = useState<string | undefined>();

  const apply = async () => {
    // A rule whose mode is unchanged keeps its attempt limit; a changed one takes the host's default.
    const rules = STAGES.flatMap((stage): ChaosRuleView[] => {
      const mode = modes[stage];
      if (mode === 'none') return [];
      const current = active.find((r) => r.stage === stage && r.mode === mode);
      return [current ?? { stage, mode }];
    });
    const reply = await send({ type: 'setChaos', rules });
    setError(reply.ok ? undefined : reply.error.message);
  };

  return (
    <section aria-label="Fault drills" className="drills panel">
      <h2>Fault drills</h2>
      <p className="hint">Inject failures into a stage to rehearse how the circuits and fallbacks respond.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void apply();
        }}
      >
        {STAGES.map((stage) => (
          <label key={stage}>
            <span>{stage}</span>
            <select data-testid={`drill-${stage}`} value={modes[stage]} onChange={(e) => setModes({ ...modes, [stage]: e.target.value as Mode })}>
              {MODES.map((mode) => (
                <option key={mode} value={mode}>
                  {mode}
                </option>
              ))}
            </select>
          </label>
        ))}
        <button type="submit" data-testid="drills-apply">
          Apply drills
        </button>
      </form>
      {error ? (
        <p className="form-error" role="alert" data-testid="drills-error">
          {error}
        </p>
      ) : null}
    </section>
  );
}
