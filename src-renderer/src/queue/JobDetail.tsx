import { useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import type { JobDetail, PipelineTrace } from '../../../src-preload/contract.ts';
import { ColumnHeads } from '../ColumnHeads.tsx';
import { useStudio } from '../store.ts';
import { useSend } from '../studio-context.tsx';
import { PreviewPlayer } from './PreviewPlayer.tsx';
import { STATUS_LABEL, formatMs, formatSeconds } from './queue-model.ts';
import { trapFocus } from './focus-trap.ts';
import { TraceChunks } from './TraceChunks.tsx';

type Attempt = PipelineTrace['attempts'][number];

const ATTEMPT_COLUMNS = ['Stage', 'Circuit', 'Try', 'Outcome', 'Elapsed', 'Drill', 'Log'];
/** With a Node column once any attempt ran on a render node (serve --farm): the node that ran it, or this machine. */
const FARM_ATTEMPT_COLUMNS = ['Stage', 'Circuit', 'Node', 'Try', 'Outcome', 'Elapsed', 'Drill', 'Log'];

/**
 * One job in full, in a modal dialog: what it renders, its live state, the pipeline trace (every
 * attempt through its circuit, drills, degradations), the ffmpeg log tail of the attempt picked, and
 * the output to play. Fetched again when the job finishes, so a trace appears the moment there is one.
 *
 * Modal by hand, not by showModal(): the browser's modal dialog makes every other element inert and
 * covers the whole window, and the Emergency Stop in the control bar must stay visible and one press
 * away. So the dialog sits below the bar, under its z-index, over a backdrop that dims the page; the
 * page under it is inert, Tab cycles through the dialog and the bar, Escape or the backdrop closes it,
 * and focus goes back to where it was. Portalled to the body: inside the queue panel (contained) a
 * fixed box is cut to the panel.
 */
export function JobDetailDialog({ jobId, onClose }: { jobId: string; onClose: () => void }) {
  const send = useSend();
  const dialog = useRef<HTMLDialogElement>(null);
  const live = useStudio((s) => s.jobs[jobId]);
  const [detail, setDetail] = useState<JobDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const status = live?.status;
  const finishedAt = live?.finishedAt ?? null;
  // Read while rendering, before Close takes the focus (autoFocus): where focus goes back on close.
  const [opener] = useState(() => (document.activeElement instanceof HTMLElement ? document.activeElement : null));

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (!element.open) element.show();
    const page = document.querySelector('main');
    page?.setAttribute('inert', '');
    const bar = document.querySelector<HTMLElement>('.control-bar');
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') element.close();
      else if (event.key === 'Tab') trapFocus(event, bar ? [bar, element] : [element]);
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      page?.removeAttribute('inert');
      if (opener?.isConnected) opener.focus();
    };
  }, [opener]);

  useEffect(() => {
    let current = true;
    void send({ type: 'jobDetail', jobId }).then((reply) => {
      if (!current) return;
      if (reply.ok) {
        setDetail(reply.result);
        setError(null);
      } else setError(reply.error.message);
    });
    return () => {
      current = false;
    };
    // Asked again when the job changes status or finishes again (a retry): that is when its trace and output change.
  }, [jobId, status, finishedAt, send]);

  const job = live ?? detail?.job;
  return createPortal(
    <>
      <div className="job-detail-backdrop" data-testid="job-detail-backdrop" aria-hidden="true" onClick={() => dialog.current?.close()} />
      <dialog ref={dialog} aria-modal="true" className="job-detail" data-testid="job-detail" aria-labelledby="job-detail-title" onClose={onClose}>
        <header>
          <h2 id="job-detail-title">
            {job?.shotId ?? jobId}
            {job ? (
              <span className={`pill pill-${job.status}`} data-testid="job-detail-status" data-status={job.status}>
                <span aria-hidden="true">{STATUS_LABEL[job.status].icon}</span> {STATUS_LABEL[job.status].label}
              </span>
            ) : null}
          </h2>
          <button type="button" data-testid="job-detail-close" onClick={() => dialog.current?.close()} autoFocus>
            Close
          </button>
        </header>
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
        {!detail && !error ? <p className="hint">Loading…</p> : null}
        {detail && job ? (
          <div className="job-detail-body">
            <section aria-label="Shot" className="detail-summary">
              <dl>
                <dt>Project</dt>
                <dd>{job.projectName}</dd>
                {detail.spec ? (
                  <>
                    {detail.spec.title ? (
                      <>
                        <dt>Title</dt>
                        <dd>{detail.spec.title}</dd>
                      </>
                    ) : null}
                    <dt>Length</dt>
                    <dd>
                      {detail.spec.durationS} s · {detail.spec.fps} fps · {detail.spec.frames} frames
                    </dd>
                    <dt>Size</dt>
                    <dd>
                      {detail.spec.width}×{detail.spec.height} · {detail.spec.format} · {detail.spec.quality}
                    </dd>
                    <dt>Keyframes</dt>
                    <dd>{detail.spec.keyframes.join(', ')}</dd>
                    <dt>Camera</dt>
                    <dd>
                      {detail.spec.camera.movement} ({detail.spec.camera.easing})
                    </dd>
                    <dt>Interpolation</dt>
                    <dd>
                      {detail.spec.interpolation.method} from {detail.spec.interpolation.sourceFps} fps · {detail.spec.interpolation.transition}
                    </dd>
                  </>
                ) : (
                  <>
                    <dt>Shot</dt>
                    <dd>its stored record no longer validates</dd>
                  </>
                )}
                <dt>Progress</dt>
                <dd>
                  {job.status === 'done' ? 'finished' : (job.stage ?? 'not started')} · {Math.round(job.progress)}% · attempt {job.attempts} · priority {job.priority}
                </dd>
                {job.error ? (
                  <>
                    <dt>Error</dt>
                    <dd className="detail-error">{job.error}</dd>
                  </>
                ) : null}
              </dl>
            </section>
            <section aria-label="Output" className="detail-output">
              <h3>Output</h3>
              {detail.media ? (
                <PreviewPlayer media={detail.media} spec={detail.spec} version={job.finishedAt} />
              ) : (
                <p className="hint">{detail.mediaProblem ?? (job.status === 'done' ? 'No output to show.' : 'The preview appears when the job is done.')}</p>
              )}
            </section>
            <TraceView trace={detail.trace} problem={detail.traceProblem} running={job.status === 'running' || job.status === 'blocked'} />
          </div>
        ) : null}
      </dialog>
    </>,
    document.body,
  );
}

function TraceView({ trace, problem, running }: { trace: PipelineTrace | null; problem: string | undefined; running: boolean }) {
  // The log shown: the attempt picked, else the last failed one (why it went wrong), else the last.
  const [picked, setPicked] = useState<number | null>(null);
  if (!trace) {
    return (
      <section aria-label="Pipeline trace" className="detail-trace" data-testid="trace">
        <h3>Pipeline trace</h3>
        <p className="hint">{problem ?? (running ? 'The trace is written when the job finishes.' : 'No trace yet: the job has not finished a run.')}</p>
      </section>
    );
  }
  const attempts = trace.attempts;
  const lastFailed = attempts.findLastIndex((a) => a.outcome === 'failed');
  const shown = picked ?? (lastFailed >= 0 ? lastFailed : attempts.length - 1);
  const interpolationDegraded = trace.interpolation.used !== trace.interpolation.requested;
  const onFarm = attempts.some((a) => a.node !== undefined);
  return (
    <section aria-label="Pipeline trace" className="detail-trace" data-testid="trace">
      <h3>Pipeline trace</h3>
      <ul className="trace-facts">
        <li data-testid="trace-interpolation">
          Interpolation: requested <strong>{trace.interpolation.requested}</strong>, used <strong>{trace.interpolation.used}</strong>
          {interpolationDegraded ? ' ⚠' : ' ✔'}
        </li>
        <li>Segments ran {trace.fanOut === 'parallel' ? 'in parallel' : 'one by one (sequential fallback) ⚠'}</li>
        <li data-testid="trace-chaos">Drills active: {trace.chaos.length ? trace.chaos.map((c) => `${c.stage}=${c.mode}`).join(', ') : 'none'}</li>
        <li>
          Time per stage:{' '}
          {Object.entries(trace.stageTimingsMs)
            .map(([stage, ms]) => `${stage} ${formatMs(ms)}`)
            .join(' · ')}
        </li>
      </ul>
      <TraceChunks trace={trace} />
      {trace.degradations.length ? (
        <ol className="trace-degradations" data-testid="trace-degradations" aria-label="Degradations">
          {trace.degradations.map((d, i) => (
            <li key={i} data-testid="trace-degradation">
              ⚠ {d.stage}: <strong>{d.from}</strong> → <strong>{d.to}</strong> — {d.reason.split('\n')[0]}
            </li>
          ))}
        </ol>
      ) : (
        <p className="hint" data-testid="trace-no-degradation">
          Nothing degraded.
        </p>
      )}
      <table className="trace-attempts" data-testid="trace-attempts">
        <ColumnHeads columns={onFarm ? FARM_ATTEMPT_COLUMNS : ATTEMPT_COLUMNS} />
        <tbody>
          {attempts.map((a, i) => (
            <AttemptRow key={i} attempt={a} onFarm={onFarm} selected={i === shown} onLog={() => setPicked(i)} />
          ))}
        </tbody>
      </table>
      <FfmpegLog attempt={attempts[shown]} />
    </section>
  );
}

function AttemptRow({ attempt: a, onFarm, selected, onLog }: { attempt: Attempt; onFarm: boolean; selected: boolean; onLog: () => void }) {
  return (
    <tr data-testid="trace-attempt" data-stage={a.stage} data-attempt={a.attempt} data-outcome={a.outcome} data-chaos={a.chaos ?? ''} data-node={a.node ?? ''} className={selected ? 'selected' : undefined}>
      <td>
        {a.stage}
        {a.detail ? <small> ({a.detail})</small> : null}
      </td>
      <td>{a.circuit}</td>
      {onFarm ? <td data-testid="trace-attempt-node">{a.node ?? <span className="muted">this machine</span>}</td> : null}
      <td className="num">{a.attempt}</td>
      <td className={a.outcome === 'ok' ? 'outcome-ok' : 'outcome-failed'}>
        {a.outcome === 'ok' ? '✔ ok' : '✖ failed'}
        {a.error ? <small title={a.error}> {a.error.split('\n')[0]}</small> : null}
      </td>
      <td className="num">{formatMs(a.elapsedMs)}</td>
      <td>{a.chaos ?? '—'}</td>
      <td>
        <button type="button" className="icon" aria-pressed={selected} aria-label={`Show the ffmpeg log of ${a.stage} attempt ${a.attempt}`} onClick={onLog} disabled={!a.ffmpegLog?.length}>
          {a.ffmpegLog?.length ? '☰' : '—'}
        </button>
      </td>
    </tr>
  );
}

function FfmpegLog({ attempt }: { attempt: Attempt | undefined }) {
  if (!attempt) return null;
  const runs = attempt.ffmpegLog ?? [];
  return (
    <div className="ffmpeg-log" data-testid="ffmpeg-log">
      <h4>
        ffmpeg log tail: {attempt.stage}
        {attempt.detail ? ` (${attempt.detail})` : ''}, attempt {attempt.attempt}
        {attempt.node ? ` on ${attempt.node}` : ''} ({formatSeconds(attempt.elapsedMs / 1000)})
      </h4>
      {runs.length === 0 ? (
        <p className="hint">No log: {attempt.outcome === 'failed' ? 'the worker ended before it could report one (a crash).' : 'none was reported.'}</p>
      ) : (
        runs.map((run, i) => (
          <figure key={i}>
            <figcaption>{run.step}</figcaption>
            <pre>{run.lines.join('\n')}</pre>
          </figure>
        ))
      )}
    </div>
  );
}
