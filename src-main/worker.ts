/**
 * Worker process entry: runs one stage task at a time for the WorkerPool, under Electron's
 * utilityProcess or Node's child_process.fork alike (see worker-channel.ts).
 *
 * Its promises to the host: every message is validated; a task ends in exactly one `done` or
 * `failed`; and no ffmpeg outlives this process, nor this process its host.
 */
import { connectToParent } from './worker-channel.ts';
import { runStage } from './engine/stages/run-stage.ts';
import { DEFAULT_STALL_MS, FFMPEG_LOG_RUNS, STAGE_ERROR_CODES, type FfmpegRunLog, type FromWorker, type StageErrorCode, type StageTask, ToWorkerSchema } from './engine/tasks.ts';

/** Chaos 'crash' lets ffmpeg get going first, so the crash lands mid-stage with a live child. */
const CRASH_AFTER_SPAWN_MS = 250;
/** ...and crashes anyway if ffmpeg never starts, so a crash drill never turns into a success. */
const CRASH_WITHOUT_SPAWN_MS = 3000;
/** How long an exit waits for the stage to kill its ffmpeg before the worker does it itself. */
const EXIT_GRACE_MS = 1500;
/** How often to check that the host is still there, where no disconnect event tells us. */
const PARENT_CHECK_MS = 1000;

interface Running {
  id: number;
  controller: AbortController;
  ffmpegPid?: number;
  /** Settles when runStage has settled: its ffmpeg is gone or was never started. */
  finished: Promise<void>;
}

const channel = connectToParent();
let current: Running | undefined;
let parentGone = false;
let exiting = false;

function send(message: FromWorker): void {
  // After the host is gone a send would raise on the closed channel; nobody is listening anyway.
  if (parentGone) return;
  try {
    channel.send(message);
  } catch {
    parentGone = true;
  }
}

function crashNow(): void {
  // A real crash: no cleanup, no goodbye. The pool reaps our ffmpeg through the process group.
  process.kill(process.pid, 'SIGKILL');
}

/**
 * Chaos 'crash': the worker kills itself shortly after ffmpeg has started, or at the latest when
 * the stage would have reported, so a crash drill never ends as a success or a clean failure.
 */
function crashDrill() {
  let timer = setTimeout(crashNow, CRASH_WITHOUT_SPAWN_MS);
  return {
    spawned: () => {
      clearTimeout(timer);
      timer = setTimeout(crashNow, CRASH_AFTER_SPAWN_MS);
    },
    now: crashNow,
    cancel: () => clearTimeout(timer),
  };
}

function progressMessage(id: number, p: { percent: number; frames: number }): FromWorker {
  // Clamped, so an odd estimate from ffmpeg's output never turns into a message the host rejects.
  const percent = Number.isFinite(p.percent) ? Math.min(100, Math.max(0, p.percent)) : 0;
  const frames = Number.isFinite(p.frames) ? Math.max(0, Math.floor(p.frames)) : 0;
  return { type: 'progress', id, percent, frames };
}

function failedMessage(id: number, error: unknown, canceled: boolean, ffmpegLog: FfmpegRunLog[]): FromWorker {
  const known = (STAGE_ERROR_CODES as readonly unknown[]).includes((error as { code?: unknown } | null)?.code);
  const message = error instanceof Error ? error.message : String(error);
  // A canceled task says so whatever ffmpeg's last words were; an error without a code is a bug
  // in the worker, not in the task, so it counts as the worker's failure (and may be retried).
  const code: StageErrorCode = canceled ? 'canceled' : known ? (error as { code: StageErrorCode }).code : 'worker_crashed';
  return { type: 'failed', id, code, message: known ? message : `unexpected error in worker: ${message}`, ffmpegLog };
}

/** The task's ffmpeg log tails, as many as a message may carry (the latest, which say how it ended). */
function logCollector(): { add(log: FfmpegRunLog): void; runs: FfmpegRunLog[] } {
  const runs: FfmpegRunLog[] = [];
  return {
    runs,
    add(log) {
      runs.push({ step: log.step.slice(0, 40), lines: log.lines });
      if (runs.length > FFMPEG_LOG_RUNS) runs.shift();
    },
  };
}

function start(id: number, task: StageTask): void {
  const controller = new AbortController();
  const running: Running = { id, controller, finished: Promise.resolve() };
  current = running;
  const crash = task.chaos?.mode === 'crash' ? crashDrill() : undefined;
  const logs = logCollector();
  // Through then(), so that even a runStage that throws instead of rejecting ends in `failed`.
  const stage = Promise.resolve().then(() =>
    runStage(task, {
      signal: controller.signal,
      onProgress: (p) => send(progressMessage(id, p)),
      onSpawn: (pid) => {
        running.ffmpegPid = pid;
        send({ type: 'spawned', id, pid });
        crash?.spawned();
      },
      onFfmpegLog: logs.add,
      // Every ffmpeg of every task is watched: a task that names no window gets the default.
      stallMs: task.stallMs ?? DEFAULT_STALL_MS,
    }),
  );
  running.finished = stage
    .then(
      (result) => {
        crash?.now();
        send({ type: 'done', id, result: { ...result, ffmpegLog: logs.runs } });
      },
      (error: unknown) => {
        const canceled = controller.signal.aborted;
        if (!canceled) crash?.now();
        send(failedMessage(id, error, canceled, logs.runs));
      },
    )
    .finally(() => {
      crash?.cancel();
      if (current === running) current = undefined;
    });
}

/** Ends the worker: aborts the task, gives the stage a moment to kill ffmpeg, makes sure of it, exits. */
async function exit(code: number, reason: string): Promise<void> {
  if (exiting) return;
  exiting = true;
  const running = current;
  if (running) {
    running.controller.abort(new Error(reason));
    const grace = new Promise<void>((resolve) => setTimeout(resolve, EXIT_GRACE_MS).unref());
    await Promise.race([running.finished, grace]);
    if (running.ffmpegPid !== undefined) {
      try {
        process.kill(running.ffmpegPid, 'SIGKILL');
      } catch {
        // Already gone: the stage killed it, as it should.
      }
    }
  }
  process.exit(code);
}

channel.onMessage((raw) => {
  const parsed = ToWorkerSchema.safeParse(raw);
  if (!parsed.success) {
    const run = raw as { type?: unknown; id?: unknown } | null;
    if (run?.type === 'run' && Number.isInteger(run.id) && (run.id as number) >= 0) {
      // A run with a bad task gets its own answer, so the host's waiting call ends instead of hanging.
      const issue = parsed.error.issues[0];
      send({ type: 'failed', id: run.id as number, code: 'invalid_task', message: `invalid task: ${issue?.path.join('.')}: ${issue?.message}` });
    } else {
      send({ type: 'error', message: `worker: unknown message: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
    }
    return;
  }
  const message = parsed.data;
  switch (message.type) {
    case 'ping': {
      const { rss, heapUsed } = process.memoryUsage();
      send({ type: 'pong', seq: message.seq, pid: process.pid, rss, heapUsed, channel: channel.kind });
      break;
    }
    case 'run':
      if (exiting) send({ type: 'failed', id: message.id, code: 'canceled', message: 'worker is shutting down' });
      else if (current) send({ type: 'failed', id: message.id, code: 'invalid_task', message: `worker ${process.pid} is busy with task ${current.id}` });
      else start(message.id, message.task);
      break;
    case 'cancel':
      if (current?.id === message.id) current.controller.abort(new Error('canceled by the host'));
      break;
    case 'shutdown':
      void exit(0, 'worker shutting down');
      break;
  }
});

// The host is gone: under fork the IPC channel closes; under either host the parent pid changes
// when we are orphaned (Electron's parentPort has no close event to tell us).
const parentPid = process.ppid;
process.on('disconnect', () => {
  parentGone = true;
  void exit(0, 'host disconnected');
});
setInterval(() => {
  if (process.ppid !== parentPid) {
    parentGone = true;
    void exit(0, 'host is gone');
  }
}, PARENT_CHECK_MS).unref();
// A polite kill from anyone still takes ffmpeg down with us.
process.on('SIGTERM', () => void exit(143, 'worker terminated'));

send({ type: 'ready', pid: process.pid });
