/**
 * Waiting for a circuit to admit work. A job whose circuit is open waits (until the recovery time
 * lets a probe through) instead of failing; a full circuit is waited on briefly and asked again.
 * A forced-open circuit is an emergency stop: nothing waits on it.
 */
import { type CircuitBreaker, CircuitBreakerError, type RejectionReason } from '../breaker/index.ts';
import { sleep } from './retry.ts';

export class StoppedError extends Error {
  readonly circuit: string;
  constructor(circuit: string) {
    super(`Circuit "${circuit}" is forced open (emergency stop): reset it to go on`);
    this.name = 'StoppedError';
    this.circuit = circuit;
  }
}

/** Resolves when the breaker may admit a call again; rejects on the signal or a forced-open circuit. */
export async function waitForAdmission(breaker: CircuitBreaker, reason: RejectionReason, signal: AbortSignal): Promise<void> {
  if (reason === 'forced_open') throw new StoppedError(breaker.name);
  if (reason === 'open' && breaker.state === 'open') {
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        off();
        signal.removeEventListener('abort', onAbort);
      };
      const off = breaker.on('state_change', (change) => {
        if (change.to === 'open') return;
        done();
        if (change.to === 'forced_open') reject(new StoppedError(breaker.name));
        else resolve();
      });
      const onAbort = () => {
        done();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    return;
  }
  // A full circuit frees a slot when some call ends. Poll without calling (peekAdmission counts
  // nothing), so queueing does not show as rejections; 50 ms is far below any stage's duration.
  for (;;) {
    await sleep(50, signal);
    const now = breaker.peekAdmission();
    if (now === 'forced_open') throw new StoppedError(breaker.name);
    if (now === null || now === 'open') return;
  }
}

export function isRejection(error: unknown): error is CircuitBreakerError {
  return error instanceof CircuitBreakerError;
}
