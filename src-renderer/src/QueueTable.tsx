import type { Command, CommandReply, Job } from '../../src-preload/contract.ts';
import { useStudio } from './store.ts';

const ORDER: Record<Job['status'], number> = { running: 0, blocked: 1, queued: 2, paused: 3, failed: 4, canceled: 5, done: 6 };

/** The render queue: add the demo, watch progress, act on each job. */
export function QueueTable({ send }: { send: (command: Command) => Promise<CommandReply> }) {
  const jobs = useStudio((s) => s.jobs);
  const queue = useStudio((s) => s.queue);
  const rows = Object.values(jobs).sort((a, b) => ORDER[a.status] - ORDER[b.status] || b.priority - a.priority || a.position - b.position);
  return (
    <section aria-label="Render queue" className="queue">
      <header>
        <h2>Queue</h2>
        <button type="button" data-testid="add-demo" onClick={() => void send({ type: 'enqueue', demo: true })}>
          Add demo project
        </button>
        <button type="button" data-testid="pause-queue" onClick={() => void send({ type: queue.paused ? 'resumeQueue' : 'pauseQueue' })}>
          {queue.paused ? 'Resume queue' : 'Pause queue'}
        </button>
      </header>
      <table>
        <thead>
          <tr>
            <th>Shot</th>
            <th>Status</th>
            <th>Stage</th>
            <th>Progress</th>
            <th>ETA</th>
            <th>Attempts</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((job) => (
            <tr key={job.id} data-testid={`queue-row-${job.id}`} data-status={job.status} data-shot={job.shotId}>
              <td>{job.shotId}</td>
              <td className={`status status-${job.status}`}>
                {job.status}
                {job.status === 'blocked' && job.blockedBy ? <small> ({job.blockedBy})</small> : null}
                {job.error && job.status === 'failed' ? <small title={job.error}> {job.error.split('\n')[0]}</small> : null}
              </td>
              <td>{job.stage ?? '—'}</td>
              <td>
                <progress max={100} value={job.progress} /> {Math.round(job.progress)}%
              </td>
              <td>{job.etaSeconds === null || job.status !== 'running' ? '—' : `${job.etaSeconds}s`}</td>
              <td>{job.attempts}</td>
              <td className="actions">
                {job.status === 'failed' || job.status === 'canceled' ? (
                  <button type="button" onClick={() => void send({ type: 'retry', jobId: job.id })}>
                    Retry
                  </button>
                ) : null}
                {job.status === 'queued' || job.status === 'running' || job.status === 'blocked' ? (
                  <button type="button" onClick={() => void send({ type: 'pauseJob', jobId: job.id })}>
                    Pause
                  </button>
                ) : null}
                {job.status === 'paused' ? (
                  <button type="button" onClick={() => void send({ type: 'resumeJob', jobId: job.id })}>
                    Resume
                  </button>
                ) : null}
                {job.status !== 'done' && job.status !== 'canceled' && job.status !== 'failed' ? (
                  <button type="button" onClick={() => void send({ type: 'cancel', jobId: job.id })}>
                    Cancel
                  </button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
