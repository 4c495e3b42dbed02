import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  CircuitBreakerError,
  type CircuitState,
  CircuitTimeoutError,
  ManualScheduler,
} from '../../src-main/breaker/index.ts';
import { flush } from './helpers.ts';

/**
 * Random sequences of successes, failures, hangs, elapsed time and forced operations against one
 * breaker, checking after every step the invariants the rest of the studio relies on.
 */

type Action =
  | { kind: 'start'; behaviour: 'resolve' | 'reject' | 'hang' | 'obey_abort' | 'ignore_abort' }
  | { kind: 'settle'; pick: number; ok: boolean }
  | { kind: 'advance'; ms: number }
  | { kind: 'force_open'; abort: boolean }
  | { kind: 'force_close' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('start' as const), behaviour: fc.constantFrom('resolve', 'reject', 'hang', 'obey_abort', 'ignore_abort') }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), ok: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 400 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('force_open' as const), abort: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('force_close' as const) }) },
);

const config = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 4 }),
  recoveryTimeoutMs: fc.integer({ min: 50, max: 500 }),
  successThreshold: fc.integer({ min: 1, max: 3 }),
  timeoutMs: fc.integer({ min: 20, max: 300 }),
  maxConcurrent: fc.integer({ min: 1, max: 4 }),
  halfOpenMaxProbes: fc.integer({ min: 1, max: 3 }),
  abandonAfterMs: fc.integer({ min: 10, max: 300 }),
});

const LEGAL = new Set([
  'closed->open',
  'open->half_open',
  'half_open->closed',
  'half_open->open',
  ...['closed', 'open', 'half_open'].map((s) => `${s}->forced_open`),
  ...['open', 'half_open', 'forced_open'].map((s) => `${s}->closed`),
]);

interface LiveOp {
  settle: (ok: boolean) => void;
  abortedAt: number | null;
  probe: boolean;
  generationAtStart: number;
}

describe('breaker invariants under random traffic', () => {
  it('never exceeds its slots or probes, moves only legally, and its counters add up', async () => {
    await fc.assert(
      fc.asyncProperty(config, fc.array(action, { minLength: 1, maxLength: 60 }), async (cfg, actions) => {
        const scheduler = new ManualScheduler();
        const breaker = new CircuitBreaker('prop', cfg, { scheduler });
        let forcing: 'open' | 'close' | null = null;
        let generation = 0;
        let state: CircuitState = 'closed';
        breaker.on('state_change', (e) => {
          const move = `${e.from}->${e.to}`;
          expect(LEGAL.has(move), `illegal transition ${move}`).toBe(true);
          expect(e.from).toBe(state);
          if (e.from === 'forced_open') expect(forcing, 'forced_open left without forceClose').toBe('close');
          if (e.to === 'forced_open') expect(forcing).toBe('open');
          if (e.to === 'closed' && e.from !== 'half_open') expect(forcing).toBe('close');
          if (e.to === 'open' || e.to === 'half_open') expect(forcing).toBeNull();
          state = e.to;
          generation++;
        });

        const live: LiveOp[] = [];
        const outcomes = { pending: 0, fulfilled: 0, rejected: 0, timeouts: 0, other: 0 };
        let started = 0;

        for (const a of actions) {
          if (a.kind === 'start') {
            started++;
            outcomes.pending++;
            const promise = breaker.execute((ctx) => {
              const op: LiveOp = { settle: () => {}, abortedAt: null, probe: breaker.state === 'half_open', generationAtStart: generation };
              const p = new Promise<string>((resolve, reject) => {
                op.settle = (ok) => {
                  const i = live.indexOf(op);
                  if (i >= 0) live.splice(i, 1);
                  if (ok) resolve('ok');
                  else reject(new Error('op failed'));
                };
                ctx.signal.addEventListener('abort', () => {
                  op.abortedAt = scheduler.now();
                  if (a.behaviour === 'obey_abort') op.settle(false);
                });
              });
              live.push(op);
              if (a.behaviour === 'resolve') op.settle(true);
              if (a.behaviour === 'reject') op.settle(false);
              return p;
            });
            promise.then(
              () => {
                outcomes.pending--;
                outcomes.fulfilled++;
              },
              (error: unknown) => {
                outcomes.pending--;
                if (error instanceof CircuitBreakerError) outcomes.rejected++;
                else if (error instanceof CircuitTimeoutError) outcomes.timeouts++;
                else outcomes.other++;
              },
            );
          } else if (a.kind === 'settle') {
            if (live.length) live[a.pick % live.length]!.settle(a.ok);
          } else if (a.kind === 'advance') {
            scheduler.advance(a.ms);
          } else if (a.kind === 'force_open') {
            forcing = 'open';
            breaker.forceOpen('drill', { abort: a.abort });
            forcing = null;
          } else {
            forcing = 'close';
            breaker.forceClose();
            forcing = null;
          }
          await flush();

          const s = breaker.stats().stats;
          const now = scheduler.now();
          // Work the breaker still answers for: running, and not given up on after its abort.
          const holding = live.filter((op) => op.abortedAt === null || now < op.abortedAt + cfg.abandonAfterMs);
          expect(s.concurrent_requests).toBe(holding.length);
          expect(holding.length).toBeLessThanOrEqual(cfg.maxConcurrent);
          if (breaker.state === 'half_open') {
            const probes = holding.filter((op) => op.probe && op.generationAtStart === generation);
            expect(probes.length).toBeLessThanOrEqual(cfg.halfOpenMaxProbes);
          }
          expect(s.total_requests).toBe(started);
          expect(s.successful_requests + s.failed_requests + s.rejected_requests + s.canceled + s.ignored_errors + outcomes.pending).toBe(started);
          expect(s.rejected_requests).toBe(outcomes.rejected);
          expect(s.timeouts).toBe(outcomes.timeouts);
          expect(s.successful_requests).toBe(outcomes.fulfilled);
          expect(breaker.state).toBe(state);
        }
      }),
      { numRuns: 1500 },
    );
  });
});
