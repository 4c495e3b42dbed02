import { z } from 'zod';
import type { ConfigSnapshot } from './types.ts';

export interface CircuitBreakerConfig {
  /** Consecutive failures (timeouts included) that open a closed circuit. */
  failureThreshold: number;
  /** How long an open circuit waits before admitting probes. */
  recoveryTimeoutMs: number;
  /** Probe successes in half_open that close the circuit. */
  successThreshold: number;
  /** Deadline of one call: its signal is aborted and `execute` rejects. */
  timeoutMs: number;
  /** Calls holding a slot at once; timed-out work keeps its slot until it really ends. */
  maxConcurrent: number;
  /** Concurrent probes admitted in half_open. Default 1. */
  halfOpenMaxProbes?: number;
  /** After an abort, how long work that ignores its signal may keep its slot. Default 5000. */
  abandonAfterMs?: number;
  /** A call slower than its expectedMs × this is counted slow (never failed). At least 1; default 2. */
  slowCallFactor?: number;
  /**
   * A call given no expectedMs is slow past this. Default null: such a call is never slow, since
   * "slower than expected" needs an expectation; its headroom (elapsed / deadline) still shows.
   */
  slowCallDurationMs?: number | null;
  /** Which errors count against the circuit. Default: all. Return false for cancellation, invalid input. */
  isFailure?: (error: unknown) => boolean;
}

const count = (what: string) =>
  z.number({ error: `${what} must be a number` }).int(`${what} must be a whole number`).min(1, `${what} must be at least 1`);
const millis = (what: string) =>
  z
    .number({ error: `${what} must be a number of milliseconds` })
    .int(`${what} must be whole milliseconds`)
    .min(1, `${what} must be at least 1 ms`)
    // Node's timers cannot wait longer than 2^31-1 ms (about 24.8 days).
    .max(2_147_483_647, `${what} must be at most 2147483647 ms (about 24.8 days)`);

/**
 * Each numeric field, checked on its own and without a default, so that a patch of them fills in
 * nothing. slowCallDurationMs may be null (no threshold), also in a patch, to remove one.
 */
const numericFields = {
  failureThreshold: count('failureThreshold'),
  recoveryTimeoutMs: millis('recoveryTimeoutMs'),
  successThreshold: count('successThreshold'),
  timeoutMs: millis('timeoutMs'),
  maxConcurrent: count('maxConcurrent'),
  halfOpenMaxProbes: count('halfOpenMaxProbes'),
  abandonAfterMs: millis('abandonAfterMs'),
  slowCallFactor: z
    .number({ error: 'slowCallFactor must be a number (how many times the expected time a call may take before it counts as slow)' })
    .min(1, 'slowCallFactor must be at least 1: a call is slow only when slower than expected')
    .max(1000, 'slowCallFactor must be at most 1000'),
  slowCallDurationMs: millis('slowCallDurationMs').nullable(),
};

/** The numeric fields, validated; `isFailure` is checked separately since it is code, not data. */
export const ConfigSnapshotSchema = z
  .object({
    ...numericFields,
    halfOpenMaxProbes: numericFields.halfOpenMaxProbes.default(1),
    abandonAfterMs: numericFields.abandonAfterMs.default(5000),
    slowCallFactor: numericFields.slowCallFactor.default(2),
    slowCallDurationMs: numericFields.slowCallDurationMs.default(null),
  })
  .strict();

/**
 * A live change: any of the numeric fields. Built from the fields rather than from
 * `ConfigSnapshotSchema.partial()`, whose optional fields would still take their defaults, so a
 * patch of `timeoutMs` alone would also put `halfOpenMaxProbes` and `abandonAfterMs` back to 1 and 5000.
 */
export const ConfigPatchSchema = z.object(numericFields).partial().strict();
export type ConfigPatch = z.infer<typeof ConfigPatchSchema>;

export class InvalidConfigError extends Error {
  readonly circuit: string;
  readonly issues: string[];
  constructor(circuit: string, issues: string[]) {
    super(`Invalid config for circuit "${circuit}": ${issues.join('; ')}`);
    this.name = 'InvalidConfigError';
    this.circuit = circuit;
    this.issues = issues;
  }
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const field = issue.path.join('.');
    if (issue.code === 'unrecognized_keys') {
      return `unknown field(s) ${issue.keys.join(', ')}: remove them (known: ${Object.keys(ConfigSnapshotSchema.shape).join(', ')})`;
    }
    return field && !issue.message.startsWith(field) ? `${field}: ${issue.message}` : issue.message;
  });
}

/** Validates a full config and fills in defaults. Throws InvalidConfigError naming each bad field. */
export function normalizeConfig(circuit: string, config: CircuitBreakerConfig): ConfigSnapshot & { isFailure?: (e: unknown) => boolean } {
  const { isFailure, ...numbers } = config;
  if (isFailure !== undefined && typeof isFailure !== 'function') {
    throw new InvalidConfigError(circuit, ['isFailure must be a function (error) => boolean, or left out']);
  }
  const parsed = ConfigSnapshotSchema.safeParse(numbers);
  if (!parsed.success) throw new InvalidConfigError(circuit, describeIssues(parsed.error));
  return isFailure ? { ...parsed.data, isFailure } : parsed.data;
}

/** Validates a live change: only known numeric fields, each valid on its own. */
export function parsePatch(circuit: string, patch: unknown): ConfigPatch {
  const parsed = ConfigPatchSchema.safeParse(patch);
  if (!parsed.success) throw new InvalidConfigError(circuit, describeIssues(parsed.error));
  // A field given as undefined is no change.
  return Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as ConfigPatch;
}

export function snapshotEquals(a: ConfigSnapshot, b: ConfigSnapshot): boolean {
  return (Object.keys(a) as (keyof ConfigSnapshot)[]).every((key) => a[key] === b[key]);
}

export function describeDifference(a: ConfigSnapshot, b: ConfigSnapshot): string {
  return (Object.keys(a) as (keyof ConfigSnapshot)[])
    .filter((key) => a[key] !== b[key])
    .map((key) => `${key} ${a[key]} ≠ ${b[key]}`)
    .join(', ');
}
