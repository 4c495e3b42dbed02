import type { RejectionReason } from './types.ts';

/** A call turned away without running: the circuit is open, forced open, or full. */
export class CircuitBreakerError extends Error {
  readonly circuit: string;
  readonly reason: RejectionReason;
  constructor(circuit: string, reason: RejectionReason) {
    super(`Circuit "${circuit}" rejected the call: ${REJECTION_TEXT[reason]}`);
    this.name = 'CircuitBreakerError';
    this.circuit = circuit;
    this.reason = reason;
  }
}

const REJECTION_TEXT: Record<RejectionReason, string> = {
  open: 'the circuit is open after repeated failures',
  forced_open: 'the circuit is forced open (emergency stop) until it is reset',
  half_open_full: 'the circuit is half-open and its probe slots are taken',
  concurrency_limit: 'the circuit is at its concurrency limit',
};

/** A call that ran past its deadline: its signal was aborted with this error. */
export class CircuitTimeoutError extends Error {
  readonly circuit: string;
  readonly timeoutMs: number;
  constructor(circuit: string, timeoutMs: number) {
    super(`Circuit "${circuit}" timed out the call after ${timeoutMs} ms`);
    this.name = 'CircuitTimeoutError';
    this.circuit = circuit;
    this.timeoutMs = timeoutMs;
  }
}

/** The abort reason of calls interrupted by an emergency stop (`forceOpenAll`). */
export class EmergencyStopError extends Error {
  readonly circuit: string;
  readonly reason = 'emergency_stop' as const;
  readonly detail: string;
  constructor(circuit: string, detail: string) {
    super(`Circuit "${circuit}" aborted the call: emergency stop (${detail})`);
    this.name = 'EmergencyStopError';
    this.circuit = circuit;
    this.detail = detail;
  }
}
