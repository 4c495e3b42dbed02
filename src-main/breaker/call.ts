import type { CallContext } from './types.ts';

/**
 * One admitted call. It is the context handed to the operation, and a node of its breaker's
 * in-flight list. Its AbortController is made only when the operation asks for `signal`, or
 * when the call is aborted: the common case allocates none.
 */
export class Call implements CallContext {
  readonly generation: number;
  readonly startedAt: number;
  readonly deadline: number;
  /** This call's time allowed: the smaller of its own timeoutMs and the circuit's. */
  readonly timeoutMs: number;
  /** How long its work was expected to take, or null: what "slow" is measured against. */
  readonly expectedMs: number | null;
  /** Admitted as a half-open probe: counts against halfOpenMaxProbes while its generation lasts. */
  readonly probe: boolean;

  prev: Call | null = null;
  next: Call | null = null;
  linked = false;

  /** The outcome `execute` reported is fixed (settled, timed out, canceled). */
  decided = false;
  /** The operation itself has returned or thrown. */
  settled = false;
  /** Ignored its abort past abandonAfterMs: its slot was freed without it. */
  abandoned = false;
  /** Monotonic time of the abort, or Infinity. */
  abortedAt = Infinity;

  resolve: ((value: unknown) => void) | undefined;
  reject: ((reason: unknown) => void) | undefined;
  detachCallerSignal: (() => void) | undefined;

  private controller: AbortController | undefined;
  private abortReason: unknown;
  private aborted = false;

  constructor(generation: number, startedAt: number, timeoutMs: number, expectedMs: number | null, probe: boolean) {
    this.generation = generation;
    this.startedAt = startedAt;
    this.timeoutMs = timeoutMs;
    this.expectedMs = expectedMs;
    this.deadline = startedAt + timeoutMs;
    this.probe = probe;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown, at: number): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.abortedAt = at;
    this.controller?.abort(reason);
  }
}

/** Doubly-linked list of in-flight calls: O(1) add and remove, no array churn per call. */
export class CallList {
  private head: Call | null = null;
  private tail: Call | null = null;
  size = 0;

  add(call: Call): void {
    call.prev = this.tail;
    call.next = null;
    if (this.tail) this.tail.next = call;
    else this.head = call;
    this.tail = call;
    call.linked = true;
    this.size++;
  }

  remove(call: Call): void {
    if (!call.linked) return;
    if (call.prev) call.prev.next = call.next;
    else this.head = call.next;
    if (call.next) call.next.prev = call.prev;
    else this.tail = call.prev;
    call.prev = call.next = null;
    call.linked = false;
    this.size--;
  }

  /** Snapshot, so that callers may remove or add while walking. */
  toArray(): Call[] {
    const out: Call[] = [];
    for (let c = this.head; c; c = c.next) out.push(c);
    return out;
  }
}
