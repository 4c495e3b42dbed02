import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type CircuitBreakerConfig, ConfigPatchSchema, type InvalidConfigError } from '../../src-main/breaker/index.ts';
import { BASE, makeBreaker } from './helpers.ts';

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

describe('the slow-call fields', () => {
  it('default to a factor of 2 and no duration threshold', () => {
    const { breaker } = makeBreaker();
    expect(breaker.config).toMatchObject({ slowCallFactor: 2, slowCallDurationMs: null });
  });

  it('reject bad values with messages naming the field', () => {
    const messages = (config: Partial<CircuitBreakerConfig>) => {
      try {
        new CircuitBreaker('bad', { ...BASE, ...config });
      } catch (error) {
        return (error as InvalidConfigError).issues;
      }
      return [];
    };
    expect(messages({ slowCallFactor: 0.5 })).toEqual(['slowCallFactor must be at least 1: a call is slow only when slower than expected']);
    expect(messages({ slowCallFactor: Number.POSITIVE_INFINITY })[0]).toMatch(/^slowCallFactor must be a number/);
    expect(messages({ slowCallFactor: '2' as never })[0]).toMatch(/^slowCallFactor must be a number/);
    expect(messages({ slowCallFactor: 5000 })).toEqual(['slowCallFactor must be at most 1000']);
    expect(messages({ slowCallDurationMs: 0 })).toEqual(['slowCallDurationMs must be at least 1 ms']);
    expect(messages({ slowCallDurationMs: 2.5 })).toEqual(['slowCallDurationMs must be whole milliseconds']);
    expect(messages({ slowCallFactor: 1.5, slowCallDurationMs: null })).toEqual([]);
  });

  it('can be patched live, and a null duration threshold removes it', () => {
    expect(ConfigPatchSchema.parse({ slowCallDurationMs: null })).toEqual({ slowCallDurationMs: null });
    const { breaker } = makeBreaker({ slowCallDurationMs: 500 });
    breaker.configure({ slowCallFactor: 3 });
    expect(breaker.config).toMatchObject({ slowCallFactor: 3, slowCallDurationMs: 500 });
    breaker.configure({ slowCallDurationMs: null });
    expect(breaker.config.slowCallDurationMs).toBeNull();
    expect(() => breaker.configure({ slowCallFactor: 0 })).toThrow(/slowCallFactor must be at least 1/);
  });
});
