import { describe, expect, it } from 'vitest';
import { ConfigPatchSchema } from '../../src-main/breaker/index.ts';
import { makeBreaker } from './helpers.ts';

describe('a live config change', () => {
  it('changes only the fields it names, even those that have defaults', () => {
    const { breaker } = makeBreaker({ halfOpenMaxProbes: 3, abandonAfterMs: 60_000 });
    breaker.configure({ timeoutMs: 250 });
    expect(breaker.config).toMatchObject({ timeoutMs: 250, halfOpenMaxProbes: 3, abandonAfterMs: 60_000 });
  });

  it('parses to exactly what it was given: no defaults filled in', () => {
    expect(ConfigPatchSchema.parse({})).toEqual({});
    expect(ConfigPatchSchema.parse({ timeoutMs: 5 })).toEqual({ timeoutMs: 5 });
  });

  it('still checks each field with the message that names it', () => {
    const parsed = ConfigPatchSchema.safeParse({ abandonAfterMs: 0, halfOpenMaxProbes: 1.5 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toEqual(['halfOpenMaxProbes must be a whole number', 'abandonAfterMs must be at least 1 ms']);
  });
});
