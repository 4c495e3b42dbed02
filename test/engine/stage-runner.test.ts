import { describe, expect, it } from 'vitest';
import { ChaosPlan } from '../../src-main/engine/chaos.ts';
import { createEngineCircuits } from '../../src-main/engine/circuits.ts';
import type { EngineEvent } from '../../src-main/engine/events.ts';
import { parseProject } from '../../src-main/engine/model.ts';
import { ShotRun } from '../../src-main/engine/shot-run.ts';
import { type StageCall, StageRunner } from '../../src-main/engine/stage-runner.ts';
import { StageError, type StageResult, type StageTask } from '../../src-main/engine/tasks.ts';
import type { WorkerLease, WorkerLeaser } from '../../src-main/engine/worker-lease.ts';
import { RetryTally } from '../../src-main/engine/retry-tally.ts';

const shot = parseProject({
  version: 1,
  name: 'runner',
  shots: [{ id: 'runner', duration: 1, fps: 12, resolution: { width: 96, height: 54 }, keyframes: [{ generator: 'testsrc2' }], camera: { movement: 'pan' } }],
}).shots[0]!;

/** Workers whose tasks do what `script` says, attempt by attempt (1-based), honouring their abort. */
function scriptedWorkers(script: (attempt: number, signal: AbortSignal) => Promise<StageResult>): WorkerLeaser & { runs: StageTask[] } {
  const runs: StageTask[] = [];
  return {
    runs,
    async lease(): Promise<WorkerLease> {
      return { pid: 1, release: () => undefined, run: (task, options) => (runs.push(task), script(runs.length, options?.signal ?? new AbortController().signal)) };
    },
  };
}

const after = (ms: number, signal: AbortSignal) =>
  new Promise<StageResult>((resolve, reject) => {
    const timer = setTimeout(() => resolve({ output: '/out.mkv', elapsedMs: ms }), ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(new StageError('canceled', 'frame_processing', 'aborted'))), { once: true });
  });
const failing = () => Promise.reject(new StageError('ffmpeg_failed', 'frame_processing', 'ffmpeg exited 1'));

function setup(workers: WorkerLeaser) {
  const circuits = createEngineCircuits();
  const retries = new RetryTally();
  const runner = new StageRunner({ workers, retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 40 }, retryCircuit: circuits.getBreaker('error_retry'), chaos: () => new ChaosPlan(), retries });
  const events: EngineEvent[] = [];
  const run = new ShotRun(shot, { quality: 'draft', outDir: '/out', workDir: '/out/work', resolveAsset: (p) => p, onEvent: (e) => events.push(e) }, []);
  const call = (over: Partial<StageCall> = {}): StageCall => ({
    run,
    stage: 'frame_processing',
    circuit: circuits.getBreaker('video_frame_processing'),
    task: () => ({ stage: 'frame_processing' }) as unknown as StageTask,
    whenOpen: 'wait',
    retries: 'policy',
    detail: 'segment 0',
    signal: new AbortController().signal,
    ...over,
  });
  return { circuits, runner, run, events, call, retries };
}

describe('the stage runner: retry → circuit → worker lease', () => {
  it('keeps a slow attempt as slow in the trace, with what it was expected to take, for the analysis over days', async () => {
    const { runner, run, call } = setup(scriptedWorkers((_attempt, signal) => after(300, signal)));
    await runner.run(call({ expectedMs: 100 })); // 300 ms > 100 ms × slowCallFactor 2
    await runner.run(call({ expectedMs: 1000 }));
    await runner.run(call());
    expect(run.trace.attempts.map((a) => [a.expectedMs, a.slow])).toEqual([[100, true], [1000, undefined], [undefined, undefined]]);
  });

  it('counts each retry loop once, as resilience4j does: by success and whether it needed a retry; a fallback is no loop', async () => {
    const workers = scriptedWorkers((attempt, signal) => (attempt % 2 === 1 ? failing() : after(5, signal)));
    const { runner, call, retries } = setup(workers);
    await runner.run(call()); // attempt 1 fails, 2 succeeds
    await expect(runner.run(call({ retries: 'none' }))).rejects.toThrow(/ffmpeg exited 1/); // attempt 3: a fallback, one try
    expect(retries.snapshot().frame_processing).toEqual({ successful_without_retry: 0, successful_with_retry: 1, failed_with_retry: 0, failed_without_retry: 0 });
    const alwaysFailing = setup(scriptedWorkers(() => failing()));
    await expect(alwaysFailing.runner.run(alwaysFailing.call())).rejects.toThrow(/ffmpeg exited 1/);
    expect(alwaysFailing.retries.snapshot().frame_processing).toMatchObject({ failed_with_retry: 1, successful_with_retry: 0 });
  });

  it('does not let error_retry’s timeout cap the retried work: a 1.5 s retry under a 500 ms error_retry succeeds', async () => {
    const workers = scriptedWorkers((attempt, signal) => (attempt === 1 ? failing() : after(1500, signal)));
    const { circuits, runner, run, call } = setup(workers);
    circuits.configure('error_retry', { timeoutMs: 500 });
    const result = await runner.run(call({ deadlineMs: 5000, stallMs: 2000 }));
    expect(result.elapsedMs).toBe(1500);
    expect(run.trace.attempts.map((a) => a.outcome)).toEqual(['failed', 'ok']);
    expect(run.trace.attempts[1]!.elapsedMs).toBeGreaterThanOrEqual(1400);
    expect(workers.runs.every((t) => t.stallMs === 2000)).toBe(true);
    const retries = circuits.stats().error_retry!.stats;
    expect(retries).toMatchObject({ successful_requests: 1, failed_requests: 0, timeouts: 0 });
  });

  it('times each attempt by the chunk’s deadline under the stage circuit, and retries it', async () => {
    const workers = scriptedWorkers((attempt, signal) => after(attempt === 1 ? 5000 : 50, signal));
    const { circuits, runner, run, call } = setup(workers);
    await runner.run(call({ deadlineMs: 300 }));
    expect(run.trace.attempts.map((a) => a.outcome)).toEqual(['failed', 'ok']);
    expect(circuits.stats().video_frame_processing!.stats.timeouts).toBe(1);
  });

  it('records failing retries on error_retry, which opens and then suspends retries everywhere', async () => {
    const workers = scriptedWorkers(() => failing());
    const { circuits, runner, call } = setup(workers);
    circuits.configure('error_retry', { failureThreshold: 2 });
    circuits.configure('video_frame_processing', { failureThreshold: 10 });
    await expect(runner.run(call())).rejects.toThrow(/ffmpeg exited 1/);
    expect(circuits.getBreaker('error_retry').state).toBe('open');
    expect(circuits.stats().error_retry!.stats).toMatchObject({ failed_requests: 2, successful_requests: 0 });
    await expect(runner.run(call())).rejects.toThrow(/failed \(ffmpeg exited 1\) and retries are suspended/);
    expect(workers.runs).toHaveLength(4);
  });

  it('fails fast on an open circuit when asked to, and stops on a forced-open one', async () => {
    const { circuits, runner, call } = setup(scriptedWorkers((_, signal) => after(10, signal)));
    const circuit = circuits.getBreaker('video_interpolation');
    circuit.forceOpen('drill');
    await expect(runner.run(call({ circuit, whenOpen: 'fail' }))).rejects.toThrow(/forced open/);
    circuit.forceClose();
    for (let i = 0; i < 5; i++) await circuit.execute(() => Promise.reject(new Error('drill'))).catch(() => undefined);
    expect(circuit.state).toBe('open');
    await expect(runner.run(call({ circuit, whenOpen: 'fail' }))).rejects.toMatchObject({ reason: 'open' });
  });
});
