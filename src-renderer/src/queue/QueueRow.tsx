import { type MouseEvent, memo, useEffect, useState } from 'react';
import { type Command, type Job, formatEstimate } from '../../../src-preload/contract.ts';
import { outputThumbnailUrl } from './job-thumbnail.ts';
import './pictures.css';
import { reuseLine } from './chunk-reuse.ts';
import { STATUS_LABEL, actionsFor, blockedCountdown, formatSeconds } from './queue-model.ts';

export type QueueAction = (command: Command) => void;

/** A live countdown to when a blocked job may go on; ticks by itself so the table does not re-render. */
function BlockedCountdown({ until }: { until: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);
  return (
    <span className="countdown-inline" data-testid="blocked-countdown">
      {blockedCountdown({ blockedUntil: until }, now)}
    </span>
  );
}

/** A finished job's middle frame, small; hidden when the host wrote none (an older render). */
function OutputThumbnail({ job }: { job: Job }) {
  const [missing, setMissing] = useState(false);
  const src = outputThumbnailUrl(job, window.studio?.host ?? 'browser');
  if (!src || missing) return null;
  return <img className="output-thumbnail" data-testid={`output-thumbnail-${job.id}`} src={src} alt={`${job.shotId}, middle frame`} width={80} loading="lazy" onError={() => setMissing(true)} />;
}

/**
 * One job. Memoised on the job object: the store replaces only the jobs a batch changed, so a
 * batch re-renders only their rows.
 */
export const QueueRow = memo(function QueueRow({ job, act, onDetails, selected }: { job: Job; act: QueueAction; onDetails: (jobId: string) => void; selected: boolean }) {
  const can = actionsFor(job.status);
  const status = STATUS_LABEL[job.status];
  const working = job.status === 'running' || job.status === 'blocked';
  const id = job.id;
  const reuse = reuseLine(job.chunks);
  // Buttons sit inside a clickable row: their clicks must not also open the details.
  const run = (command: Command) => (event: MouseEvent) => {
    event.stopPropagation();
    act(command);
  };
  return (
    <tr data-testid={`queue-row-${id}`} data-status={job.status} data-shot={job.shotId} className={selected ? 'selected' : undefined} onClick={() => onDetails(id)}>
      <td className="shot">
        <OutputThumbnail job={job} />
        <span className="shot-id">{job.shotId}</span>
        <small>{job.projectName}</small>
      </td>
      <td>
        <span className={`pill pill-${job.status}`}>
          <span aria-hidden="true">{status.icon}</span> {status.label}
        </span>
        {job.degraded ? (
          <>
            <span className="badge-degraded" data-testid={`degraded-${id}`}>
              ⚠ degraded: {job.degraded.from} → {job.degraded.to}
            </span>
            <small className="why" title={job.degraded.reason}>
              {job.degraded.reason.split('\n')[0]}
            </small>
          </>
        ) : null}
        {job.status === 'blocked' ? (
          <>
            <small className="why" title={job.blockedBy ?? undefined}>
              {job.blockedBy ?? 'waiting for a circuit'}
            </small>
            {job.blockedUntil !== null ? <BlockedCountdown until={job.blockedUntil} /> : null}
          </>
        ) : null}
        {job.error && (job.status === 'failed' || job.status === 'queued') ? (
          <small className="why" title={job.error}>
            {job.error.split('\n')[0]}
          </small>
        ) : null}
      </td>
      <td>{job.stage ?? '—'}</td>
      <td className="progress-cell">
        <progress max={100} value={job.progress} aria-label={`${job.shotId} progress`} />
        <span>{Math.round(job.progress)}%</span>
        {reuse ? (
          <small className="reuse" data-testid={`reuse-${id}`}>
            {reuse}
          </small>
        ) : null}
      </td>
      <td>
        {working && job.etaSeconds !== null ? (
          formatSeconds(job.etaSeconds)
        ) : (job.status === 'queued' || job.status === 'paused') && job.estimateSeconds !== null ? (
          <span className="estimate" data-testid={`estimate-${id}`} title="Expected render time, reckoned when the shot was queued">
            {formatEstimate(job.estimateSeconds)}
          </span>
        ) : (
          '—'
        )}
      </td>
      <td className="num">{job.attempts}</td>
      <td className="priority">
        {can.priority ? (
          <button type="button" className="icon" aria-label={`Lower priority of ${job.shotId}`} title="Lower priority" onClick={run({ type: 'setPriority', jobId: id, priority: Math.max(-100, job.priority - 1) })}>
            −
          </button>
        ) : null}
        <span className="num" data-testid={`priority-${id}`}>
          {job.priority}
        </span>
        {can.priority ? (
          <button type="button" className="icon" aria-label={`Raise priority of ${job.shotId}`} title="Raise priority" onClick={run({ type: 'setPriority', jobId: id, priority: Math.min(100, job.priority + 1) })}>
            +
          </button>
        ) : null}
        {can.move ? (
          <>
            <button type="button" className="icon" data-testid={`job-up-${id}`} aria-label={`Move ${job.shotId} up`} title="Move up in line" onClick={run({ type: 'move', jobId: id, to: 'up' })}>
              ↑
            </button>
            <button type="button" className="icon" data-testid={`job-down-${id}`} aria-label={`Move ${job.shotId} down`} title="Move down in line" onClick={run({ type: 'move', jobId: id, to: 'down' })}>
              ↓
            </button>
          </>
        ) : null}
      </td>
      <td className="actions">
        <button type="button" data-testid={`job-details-${id}`} aria-label={`Details of ${job.shotId}`} onClick={(event) => {
            event.stopPropagation();
            onDetails(id);
          }}>
          Details
        </button>
        {can.pause ? (
          <button type="button" data-testid={`job-pause-${id}`} onClick={run({ type: 'pauseJob', jobId: id })}>
            Pause
          </button>
        ) : null}
        {can.resume ? (
          <button type="button" data-testid={`job-resume-${id}`} onClick={run({ type: 'resumeJob', jobId: id })}>
            Resume
          </button>
        ) : null}
        {can.retry ? (
          <button type="button" data-testid={`job-retry-${id}`} onClick={run({ type: 'retry', jobId: id })}>
            Retry
          </button>
        ) : null}
        {can.cancel ? (
          <button type="button" className="danger" data-testid={`job-cancel-${id}`} onClick={run({ type: 'cancel', jobId: id })}>
            Cancel
          </button>
        ) : null}
      </td>
    </tr>
  );
});
