import { useEffect, useState } from 'react';
import type { NodesView as NodesAnswer } from '../../../src-preload/contract.ts';
import { type Column, ColumnHeads } from '../ColumnHeads.tsx';
import { useStudio } from '../store.ts';
import { useSend } from '../studio-context.tsx';
import { type NodeRow, fleetSummary, nodeRows } from './nodes-model.ts';

/** How often the panel asks for the nodes while it is on screen: about a heartbeat. */
const POLL_MS = 1000;

const COLUMNS: Column[] = [
  { label: 'State', width: '6.5rem' },
  { label: 'Node', width: '9rem' },
  { label: 'Tags', width: '8rem' },
  { label: 'Workers', width: '4.5rem', align: 'right' },
  { label: 'Chunks running', width: '5.5rem', align: 'right' },
  { label: 'Circuits in trouble', title: "The node's own circuits that are not closed: it takes no chunk of a stage whose circuit is open" },
  { label: 'Blocklisted for', title: 'Job and stage: it failed three chunks of that stage for that job, and takes no more of them' },
  { label: 'Last heartbeat', width: '7rem' },
  { label: 'Host', width: '9rem' },
];

/**
 * The render farm's nodes, a row each, trouble first: gone, stale, then live nodes with circuits in
 * trouble or blocklists. Asked for with the `nodes` command every second while the view is open
 * (it is not streamed: nodes change at heartbeat pace). In embedded mode it says so and nothing else.
 */
export function NodesView() {
  const send = useSend('caller');
  const [view, setView] = useState<NodesAnswer | null>(null);
  const [error, setError] = useState<string | undefined>();
  const jobs = useStudio((s) => s.jobs);

  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      const reply = await send({ type: 'nodes' });
      if (!current) return;
      if (reply.ok) {
        setView(reply.result);
        setError(undefined);
      } else setError(reply.error.message);
      timer = setTimeout(() => void load(), POLL_MS);
    };
    void load();
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [send]);

  const summary = view ? fleetSummary(view) : null;
  const rows = view?.mode === 'farm' ? nodeRows(view.nodes, (id) => jobs[id]?.shotId) : [];
  return (
    <section className="panel nodes" aria-labelledby="nodes-title" data-testid="nodes" data-mode={view?.mode ?? ''}>
      <div className="panel-header">
        <h2 id="nodes-title">Render nodes</h2>
        {view?.mode === 'farm' ? <span className="muted">farm at {view.address}</span> : null}
      </div>
      {error ? <p role="alert">{error}</p> : null}
      {summary ? (
        <p className={`nodes-summary reading-${summary.tone}`} role="status" data-testid="nodes-summary" data-tone={summary.tone}>
          {summary.text}
        </p>
      ) : error ? null : (
        <p className="muted">Asking the studio for its nodes…</p>
      )}
      {view?.mode === 'farm' ? (
        <table className="nodes-table" data-testid="nodes-table">
          <ColumnHeads columns={COLUMNS} />
          <tbody>
            {rows.map((row) => (
              <NodeRowView key={row.name} row={row} />
            ))}
            {rows.length === 0 ? (
              <tr>
                <td colSpan={COLUMNS.length} className="muted">
                  No node has said it is alive yet. Start one with <code>storycore node --farm {view.address} --shared DIR</code>.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function NodeRowView({ row }: { row: NodeRow }) {
  return (
    <tr className={`node-row node-${row.state}${row.rank === 2 ? ' node-trouble' : ''}`} data-testid={`node-row-${row.name}`} data-state={row.state} data-rank={row.rank}>
      <td>
        <span className={`reading-label reading-${row.tone}`}>
          <span aria-hidden="true">{row.icon} </span>
          {row.label}
        </span>
      </td>
      <th scope="row" className="node-name">
        {row.name}
      </th>
      <td>{row.tags.length ? row.tags.map((t) => <span key={t} className="node-tag">{t}</span>) : <span className="muted">—</span>}</td>
      <td className="num">{row.state === 'gone' ? '—' : row.workers}</td>
      <td className="num" data-testid={`node-running-${row.name}`}>
        {row.state === 'gone' ? '—' : row.running}
      </td>
      <td data-testid={`node-circuits-${row.name}`}>
        {row.circuits.length === 0 ? (
          <span className="muted">{row.state === 'gone' ? '—' : 'none'}</span>
        ) : (
          row.circuits.map((c) => (
            <span key={c.name} className={`node-circuit state-text-${c.state}`}>
              {c.name.replace(/_/g, ' ')} <strong>{c.word}</strong>
            </span>
          ))
        )}
      </td>
      <td data-testid={`node-blocklists-${row.name}`}>
        {row.blocklists.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          row.blocklists.map((b) => (
            <span key={`${b.job}|${b.stage}`} className="node-block reading-warn" title={`job ${b.job}`}>
              ⊘ {b.text}
            </span>
          ))
        )}
      </td>
      <td className={row.state === 'live' ? undefined : `reading-${row.tone}`}>{row.lastBeat}</td>
      <td className="muted node-host">{row.where}</td>
    </tr>
  );
}
