/**
 * Which studio job the running code works for, carried through the engine's awaits instead of being
 * passed down every call: the farm keeps its blocklists per job (a node that keeps failing one
 * job's chunks of a stage is kept off that job's chunks of that stage), while the engine's
 * interfaces name no job. Node's AsyncLocalStorage follows promises and timers; code outside any
 * job (the command line's render) sees none.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<string>();

/** Runs fn (and everything it awaits) as work for the job. */
export function inJob<T>(jobId: string, fn: () => T): T {
  return scope.run(jobId, fn);
}

/** The job the calling code works for, if any. */
export function currentJob(): string | undefined {
  return scope.getStore();
}
