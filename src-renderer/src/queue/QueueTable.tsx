import { Suspense, lazy, useCallback, useMemo, useState } from 'react';
import type { Command } from '../../../src-preload/contract.ts';
import { JobDetailDialog } from './JobDetail.tsx';
import { ProjectFileButton } from './ProjectFileButton.tsx';
import { FILTERS, type FilterName, countByStatus, pageOf, visibleJobs } from './queue-model.ts';
import { QueueRow } from './QueueRow.tsx';
import { type Column, ColumnHeads } from '../ColumnHeads.tsx';
import { useStudio } from '../store.ts';
import { useSend } from '../studio-context.tsx';

/** The table's layout is fixed: these widths, not the rows' contents, size the columns. */
const COLUMNS: readonly Column[] = [
  { label: 'Shot', width: '13%' },
  { label: 'Status', width: '18%' },
  { label: 'Stage', width: '11%' },
  { label: 'Progress', width: '12%' },
  { label: 'ETA', width: '6%' },
  { label: 'Tries', title: 'Attempts', width: '5%', align: 'right' },
  { label: 'Priority · order', width: '15%' },
  { label: 'Actions', width: '20%' },
];

// The form brings the contract's schemas (zod) with it: loaded when first opened, not with the window.
const ShotForm = lazy(() => import('./ShotForm.tsx').then((m) => ({ default: m.ShotForm })));

/**
 * The render queue: add shots (a form, a project file, the demo), watch each job, act on it, open
 * its detail. Shows one page of rows at a time, so a queue of thousands costs what a page costs.
 */
export function QueueTable() {
  const jobs = useStudio((s) => s.jobs);
  const queue = useStudio((s) => s.queue);
  const [filter, setFilter] = useState<FilterName>('all');
  const [pageIndex, setPageIndex] = useState(0);
  const [adding, setAdding] = useState(false);
  const [detailOf, setDetailOf] = useState<string | null>(null);

  // `send` is the same function for the life of the connection, so the memoised rows keep one `act`.
  const send = useSend();
  const act = useCallback((command: Command) => void send(command), [send]);
  const openDetail = useCallback((jobId: string) => setDetailOf(jobId), []);

  const rows = useMemo(() => visibleJobs(jobs, filter), [jobs, filter]);
  const counts = useMemo(() => countByStatus(jobs), [jobs]);
  const page = pageOf(rows, pageIndex);

  return (
    <section aria-label="Render queue" className="queue">
      <header className="queue-toolbar">
        <h2>Queue</h2>
        <span className="queue-counts" data-testid="queue-counts">
          {counts.running + counts.blocked} running · {counts.queued + counts.paused} waiting · {counts.done} done
          {counts.failed ? ` · ${counts.failed} failed` : ''}
        </span>
        <button type="button" data-testid="add-shot" aria-expanded={adding} onClick={() => setAdding(!adding)}>
          {adding ? 'Close shot form' : 'Add shot…'}
        </button>
        <ProjectFileButton />
        <button type="button" data-testid="add-demo" onClick={() => act({ type: 'enqueue', demo: true })}>
          Add demo project
        </button>
        <button type="button" data-testid="pause-queue" aria-pressed={queue.paused} onClick={() => act({ type: queue.paused ? 'resumeQueue' : 'pauseQueue' })}>
          {queue.paused ? '▶ Resume queue' : '❚❚ Pause queue'}
        </button>
      </header>
      {adding ? (
        <Suspense fallback={<p className="hint">Loading the shot form…</p>}>
          <ShotForm onDone={() => setAdding(false)} />
        </Suspense>
      ) : null}
      <div className="queue-filter">
        <label>
          Show{' '}
          <select
            data-testid="queue-filter"
            value={filter}
            onChange={(e) => {
              setFilter(e.target.value as FilterName);
              setPageIndex(0);
            }}
          >
            {(Object.keys(FILTERS) as FilterName[]).map((name) => (
              <option key={name} value={name}>
                {FILTERS[name].label}
              </option>
            ))}
          </select>
        </label>
        <Pager page={page} onPage={setPageIndex} />
      </div>
      <div className="queue-scroll">
        <table className="queue-table">
          <ColumnHeads columns={COLUMNS} />
          <tbody>
            {page.rows.map((job) => (
              <QueueRow key={job.id} job={job} act={act} onDetails={openDetail} selected={job.id === detailOf} />
            ))}
          </tbody>
        </table>
        {page.total === 0 ? (
          <p className="queue-empty" data-testid="queue-empty">
            {filter === 'all' ? 'The queue is empty: add a shot, open a project file, or add the demo project.' : 'No jobs match this filter.'}
          </p>
        ) : null}
      </div>
      {detailOf ? <JobDetailDialog jobId={detailOf} onClose={() => setDetailOf(null)} /> : null}
    </section>
  );
}

function Pager({ page, onPage }: { page: ReturnType<typeof pageOf>; onPage: (index: number) => void }) {
  if (page.count <= 1) {
    return <span className="pager-summary" data-testid="queue-page">{page.total} job{page.total === 1 ? '' : 's'}</span>;
  }
  return (
    <nav className="pager" aria-label="Queue pages">
      <button type="button" data-testid="queue-prev" disabled={page.index === 0} onClick={() => onPage(page.index - 1)}>
        ‹ Previous
      </button>
      <span className="pager-summary" data-testid="queue-page">
        {page.first}–{page.last} of {page.total}
      </span>
      <button type="button" data-testid="queue-next" disabled={page.index >= page.count - 1} onClick={() => onPage(page.index + 1)}>
        Next ›
      </button>
    </nav>
  );
}
