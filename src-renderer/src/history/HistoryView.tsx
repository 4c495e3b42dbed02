import type { Job } from '../../../src-preload/contract.ts';
import { useStudio } from '../store.ts';
import { dateTime } from '../format.ts';
import { describeAudit } from './audit.ts';

const FINISHED: ReadonlySet<Job['status']> = new Set(['done', 'failed', 'canceled']);
const STATUS_ICON: Partial<Record<Job['status'], string>> = { done: '✔', failed: '✖', canceled: '⊘' };

const when = dateTime;
function took(job: Job): string {
  if (job.startedAt === null || job.finishedAt === null) return '—';
  const s = (job.finishedAt - job.startedAt) / 1000;
  return s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(1)} s`;
}
const basename = (path: string) => path.split(/[\\/]/).pop() ?? path;

/** The audit log (who did what, when, old → new) and the jobs that have finished, newest first. */
export function HistoryView() {
  const audit = useStudio((s) => s.audit);
  const jobs = useStudio((s) => s.jobs);
  const past = Object.values(jobs)
    .filter((j) => FINISHED.has(j.status))
    .sort((a, b) => (b.finishedAt ?? b.updatedAt) - (a.finishedAt ?? a.updatedAt));
  return (
    <div className="history">
      <section className="panel" aria-labelledby="audit-title" data-testid="audit-log">
        <h2 id="audit-title">Audit log</h2>
        <p className="hint">Every stop, reset, resume, circuit change and drill, as the host recorded it (newest {audit.length}).</p>
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">Reason</th>
              <th scope="col">Change (old → new)</th>
            </tr>
          </thead>
          <tbody>
            {audit.map((entry) => {
              const { changes, notes } = describeAudit(entry);
              return (
                <tr key={entry.id} data-testid={`audit-row-${entry.id}`} data-action={entry.action}>
                  <td>
                    <time dateTime={new Date(entry.at).toISOString()}>{when(entry.at)}</time>
                  </td>
                  <td>{entry.actor}</td>
                  <td>{entry.action}</td>
                  <td>{entry.reason ?? '—'}</td>
                  <td>
                    {changes.map((c) => (
                      <div key={c.field}>
                        <span className="muted">{c.field}:</span> {c.from} → {c.to}
                      </div>
                    ))}
                    {notes.length ? <div className="muted">{notes.join(' · ')}</div> : null}
                    {changes.length === 0 && notes.length === 0 ? '—' : null}
                  </td>
                </tr>
              );
            })}
            {audit.length === 0 ? (
              <tr>
                <td colSpan={5} className="muted">
                  Nothing audited yet.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </section>
      <section className="panel" aria-labelledby="past-jobs-title" data-testid="past-jobs">
        <h2 id="past-jobs-title">Past jobs</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Finished</th>
              <th scope="col">Shot</th>
              <th scope="col">Project</th>
              <th scope="col">Status</th>
              <th scope="col">Took</th>
              <th scope="col">Attempts</th>
              <th scope="col">Output or error</th>
            </tr>
          </thead>
          <tbody>
            {past.map((job) => (
              <tr key={job.id} data-testid={`past-job-${job.id}`} data-status={job.status}>
                <td>{job.finishedAt === null ? '—' : when(job.finishedAt)}</td>
                <td>{job.shotId}</td>
                <td>{job.projectName}</td>
                <td className={`status status-${job.status}`}>
                  <span aria-hidden="true">{STATUS_ICON[job.status]} </span>
                  {job.status}
                </td>
                <td>{took(job)}</td>
                <td>{job.attempts}</td>
                <td title={job.error ?? job.output ?? undefined}>{job.error ? job.error.split('\n')[0] : job.output ? basename(job.output) : '—'}</td>
              </tr>
            ))}
            {past.length === 0 ? (
              <tr>
                <td colSpan={7} className="muted">
                  No finished jobs yet.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </section>
    </div>
  );
}
