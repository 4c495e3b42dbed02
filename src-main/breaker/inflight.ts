/**
 * The calls a breaker has admitted and not yet seen end, and their deadlines: one sweep per breaker
 * on the shared scheduler, at the earliest deadline, instead of a timer per call. The breaker keeps
 * the slots and the counts; this list tells it when a call times out, is canceled or is abandoned.
 *
 * The list is in start order. With per-call deadlines that is not deadline order (a later call may
 * have a shorter deadline), so nothing here relies on it: a call whose deadline comes before the
 * armed sweep moves the sweep forward, and each sweep walks the whole list and re-arms at the
 * smallest deadline left. The common case, a deadline after the armed sweep, costs one comparison.
 */
import { type Call, CallList } from './call.ts';
import type { ScheduledTask, Scheduler } from './scheduler.ts';

export interface InflightHooks {
  /** How long an aborted call may ignore its abort before its slot is freed; read at each use, so live config applies. */
  abandonAfterMs(): number;
  /** A call's deadline passed while its outcome was open: the breaker decides, aborts and reports it. */
  timedOut(call: Call, now: number): void;
  /** An aborted call ignored its abort past abandonAfterMs; it is marked abandoned and off the list. */
  abandoned(call: Call, now: number): void;
  /** A call ended by its caller's signal or an emergency stop; it is already aborted and about to be rejected. */
  canceled(call: Call): void;
}

export class InflightCalls {
  private readonly list = new CallList();
  private readonly scheduler: Scheduler;
  private readonly hooks: InflightHooks;
  private sweepTask: ScheduledTask | undefined;

  constructor(scheduler: Scheduler, hooks: InflightHooks) {
    this.scheduler = scheduler;
    this.hooks = hooks;
  }

  /** Lists an admitted call, makes sure a sweep comes by its deadline, and links the caller's signal. */
  add(call: Call, signal: AbortSignal | undefined): void {
    this.list.add(call);
    this.ensureSweepBy(call.deadline);
    if (signal) this.linkCallerSignal(call, signal);
  }

  /** The operation has ended, or was abandoned: off the list, and no longer listening to its caller's signal. */
  remove(call: Call): void {
    call.detachCallerSignal?.();
    this.list.remove(call);
  }

  /** Aborts every call whose outcome is still open, each with its own error: an emergency stop, not a failure. */
  cancelAll(errorFor: () => unknown): void {
    const now = this.scheduler.now();
    for (const call of this.list.toArray()) {
      if (!call.decided) this.cancel(call, errorFor(), now);
    }
  }

  private cancel(call: Call, reason: unknown, now: number): void {
    call.decided = true;
    call.abort(reason, now);
    this.hooks.canceled(call);
    call.reject?.(reason);
    this.ensureSweepBy(now + this.hooks.abandonAfterMs());
  }

  private linkCallerSignal(call: Call, signal: AbortSignal): void {
    const onAbort = () => {
      if (!call.decided) this.cancel(call, signal.reason, this.scheduler.now());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    call.detachCallerSignal = () => signal.removeEventListener('abort', onAbort);
  }

  private ensureSweepBy(at: number): void {
    if (this.sweepTask && this.sweepTask.at <= at) return;
    this.sweepTask?.cancel();
    this.sweepTask = this.scheduler.schedule(at, () => this.sweep());
  }

  private sweep(): void {
    this.sweepTask = undefined;
    const now = this.scheduler.now();
    let next = Infinity;
    for (const call of this.list.toArray()) {
      if (!call.decided) {
        if (call.deadline <= now) this.hooks.timedOut(call, now);
        else next = Math.min(next, call.deadline);
      }
      if (call.decided && !call.settled && !call.abandoned) {
        const abandonAt = call.abortedAt + this.hooks.abandonAfterMs();
        if (abandonAt <= now) this.abandon(call, now);
        else next = Math.min(next, abandonAt);
      }
    }
    if (next !== Infinity) this.ensureSweepBy(next);
  }

  private abandon(call: Call, now: number): void {
    call.abandoned = true;
    this.remove(call);
    this.hooks.abandoned(call, now);
  }
}
