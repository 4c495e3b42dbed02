import type { ReactNode } from 'react';
import type { Job } from '../../../src-preload/contract.ts';
import { ColumnHeads } from '../ColumnHeads.tsx';
import { useStudio } from '../store.ts';
import { dateTime } from '../format.ts';
import { describeAudit } from './audit.ts';
import { AnalysisPanel } from './AnalysisPanel.tsx';

const FINISHED: ReadonlySet<Job['status']> = new Set(['done', 'failed', 'canceled']);
const STATUS_ICON: Partial<Record<Job['status'], string>> = { done: '✔', failed: '✖', canceled: '⊘' };

const AUDIT_COLUMNS = ['When', 'Who', 'What', 'Reason', 'Change (old → new)'];
const PAST_JOB_COLUMNS = ['Finished', 'Shot', 'Project', 'Status', 'Took', 'Attempts', 'Output or error'];

const when = dateTime;
function took(job: Job): string {
  if (job.startedAt === null || job.finishedAt === null) return '—';
  const s = (job.finishedAt - job.startedAt) / 1000;
  return s >= 60 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${s.toFixed(1)} s`;
}
const basename = (path: string) => path.split(/[\\/]/).pop() ?? path;

/** A table's one row while it has nothing to list, across all its columns. */
function NothingYet({ columns, children }: { columns: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={columns} className="muted">
        {children}
      </td>
    </tr>
  );
}

/** The audit log (who did what, when, old → new) and the jobs that have finished, newest first. */
export function HistoryView() {
  const audit = useStudio((s) => s.audit);
  const jobs = useStudio((s) => s.jobs);
  const past = Object.values(jobs)
    .filter((j) => FINISHED.has(j.status))
    .sort((a, b) => (b.finishedAt ?? b.updatedAt) - (a.finishedAt ?? a.updatedAt));
  return (
    <div className="history">
      <AnalysisPanel />
      <section className="panel" aria-labelledby="audit-title" data-testid="audit-log">
        <h2 id="audit-title">Audit log</h2>
        <p className="hint">Every stop, reset, resume, circuit change and drill, as the host recorded it (newest {audit.length}).</p>
        <table>
          <ColumnHeads columns={AUDIT_COLUMNS} />
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
            {audit.length === 0 ? <NothingYet columns={AUDIT_COLUMNS.length}>Nothing audited yet.</NothingYet> : null}
          </tbody>
        </table>
      </section>
      <section className="panel" aria-labelledby="past-jobs-title" data-testid="past-jobs">
        <h2 id="past-jobs-title">Past jobs</h2>
        <table>
          <ColumnHeads columns={PAST_JOB_COLUMNS} />
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
            {past.length === 0 ? <NothingYet columns={PAST_JOB_COLUMNS.length}>No finished jobs yet.</NothingYet> : null}
          </tbody>
        </table>
      </section>
    </div>
  );
}
