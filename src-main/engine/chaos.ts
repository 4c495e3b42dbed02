/**
 * Fault injection for drills and tests: per stage, a mode that the worker acts out for real
 * (ffmpeg that fails, an ffmpeg that never ends, a worker that dies, a slowed stage).
 * Off unless asked for; every event and trace of an affected stage says so.
 */
import { z } from 'zod';
import { CHAOS_MODES, type ChaosMode, STAGES, type StageName } from './tasks.ts';

/** One rule, as a command or the stored drill setting gives it (the CLI's STAGE=MODE text below parses to the same shape). */
export const ChaosRuleSchema = z
  .object({
    stage: z.enum(STAGES, { error: `stage must be one of ${STAGES.join(', ')}` }),
    mode: z.enum(CHAOS_MODES, { error: `mode must be one of ${CHAOS_MODES.join(', ')}` }),
    /** How many attempts of each task it hits; undefined = every attempt on the stage's own path. */
    times: z.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type ChaosRule = z.infer<typeof ChaosRuleSchema>;

/**
 * Defaults: a crash is transient (it hits each task's first attempt, so the retry shows recovery);
 * fail, hang and slow are persistent (every attempt through the stage's own circuit, so retries
 * run out and fallbacks or open circuits show). Fallback attempts are never hit: they are the
 * recovery under test.
 */
const DEFAULT_TIMES: Record<ChaosMode, number | undefined> = { crash: 1, fail: undefined, hang: undefined, slow: undefined };

const RuleText = z
  .string()
  .regex(/^[a-z_]+=[a-z]+(:\d{1,4})?$/, 'a chaos rule looks like STAGE=MODE or STAGE=MODE:TIMES, for example interpolation=hang')
  .transform((text, ctx) => {
    const [stage, rest] = text.split('=') as [string, string];
    const [mode, times] = rest.split(':') as [string, string | undefined];
    if (!(STAGES as readonly string[]).includes(stage)) {
      ctx.addIssue({ code: 'custom', message: `unknown stage "${stage}": use one of ${STAGES.join(', ')}` });
      return z.NEVER;
    }
    if (!(CHAOS_MODES as readonly string[]).includes(mode)) {
      ctx.addIssue({ code: 'custom', message: `unknown chaos mode "${mode}": use one of ${CHAOS_MODES.join(', ')}` });
      return z.NEVER;
    }
    return { stage: stage as StageName, mode: mode as ChaosMode, times: times === undefined ? DEFAULT_TIMES[mode as ChaosMode] : Number(times) };
  });

export function parseChaosRule(text: string): ChaosRule {
  const parsed = RuleText.safeParse(text);
  if (!parsed.success) throw new Error(`--chaos ${text}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Which attempt of which task a rule hits; one plan per render, shared by its shots. */
export class ChaosPlan {
  private readonly rules = new Map<StageName, ChaosRule>();
  private readonly hits = new Map<string, number>();

  constructor(rules: ChaosRule[] = []) {
    for (const rule of rules) this.rules.set(rule.stage, rule);
  }

  get active(): ChaosRule[] {
    return [...this.rules.values()];
  }

  /** The mode for this attempt of a task on the stage's own path, counting it; undefined when none. */
  take(stage: StageName, taskKey: string): ChaosMode | undefined {
    const rule = this.rules.get(stage);
    if (!rule) return undefined;
    const key = `${stage}:${taskKey}`;
    const used = this.hits.get(key) ?? 0;
    if (rule.times !== undefined && used >= rule.times) return undefined;
    this.hits.set(key, used + 1);
    return rule.mode;
  }
}
