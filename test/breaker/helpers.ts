import { CircuitBreaker, type CircuitBreakerConfig, type CircuitEvent, ManualScheduler } from '../../src-main/breaker/index.ts';

export const BASE: CircuitBreakerConfig = {
  failureThreshold: 3,
  recoveryTimeoutMs: 1000,
  successThreshold: 2,
  timeoutMs: 100,
  maxConcurrent: 4,
};

/** Lets queued promise callbacks run, so the breaker sees settlements before we look. */
export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** An operation the test settles by hand; `obeysAbort` makes it reject when its signal aborts. */
export function controlled<T = string>(options: { obeysAbort?: boolean } = {}) {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  let signal: AbortSignal | undefined;
  let calls = 0;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const op = (ctx: { signal: AbortSignal }) => {
    calls++;
    if (options.obeysAbort) {
      signal = ctx.signal;
      signal.addEventListener('abort', () => reject(signal!.reason), { once: true });
    }
    return promise;
  };
  return {
    op,
    resolve: (value: T) => resolve(value),
    reject: (error: unknown) => reject(error),
    get signal() {
      return signal;
    },
    get calls() {
      return calls;
    },
  };
}

export function makeBreaker(config: Partial<CircuitBreakerConfig> = {}) {
  const scheduler = new ManualScheduler();
  const breaker = new CircuitBreaker('test_circuit', { ...BASE, ...config }, { scheduler });
  const events: CircuitEvent[] = [];
  for (const type of ['state_change', 'success', 'failure', 'timeout', 'rejected', 'abandoned', 'config_change', 'slow_call'] as const) {
    breaker.on(type, (payload) => events.push({ type, ...payload } as CircuitEvent));
  }
  const transitions = () =>
    events.filter((e) => e.type === 'state_change').map((e) => (e.type === 'state_change' ? `${e.from}->${e.to}` : ''));
  return { breaker, scheduler, events, transitions };
}

export const fail = (message = 'boom') => () => Promise.reject(new Error(message));
export const ok = (value = 'ok') => () => Promise.resolve(value);

/** Runs an execute and returns its outcome without letting a rejection go unhandled. */
export function outcome<T>(promise: Promise<T>) {
  const result: { status: 'pending' | 'fulfilled' | 'rejected'; value?: T; error?: unknown } = { status: 'pending' };
  promise.then(
    (value) => Object.assign(result, { status: 'fulfilled', value }),
    (error: unknown) => Object.assign(result, { status: 'rejected', error }),
  );
  return result;
}

/**
 * A call through `breaker` that takes `ms` on the hand-driven clock, then succeeds or fails:
 * for tests of durations (slow calls, latency buckets).
 */
export async function callTaking(breaker: Pick<CircuitBreaker, 'execute'>, scheduler: ManualScheduler, ms: number, fails = false, options: { expectedMs?: number } = {}): Promise<void> {
  let finish!: () => void;
  const call = breaker.execute(() => new Promise<void>((resolve, reject) => (finish = fails ? () => reject(new Error('x')) : resolve)), options);
  scheduler.advance(ms);
  finish();
  await call.catch(() => {});
}
