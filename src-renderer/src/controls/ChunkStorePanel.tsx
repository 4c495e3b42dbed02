import { type FormEvent, useCallback, useEffect, useState } from 'react';
import type { ChunkStoreView } from '../../../src-preload/contract.ts';
import { useStudio } from '../store.ts';
import { useSend } from '../studio-context.tsx';
import { formatBytes, limitFromText, limitText, summariseStore } from './chunk-store-model.ts';

/** How often the panel asks again while it is shown: the store changes as chunks finish. */
const REFRESH_MS = 10_000;

/**
 * The chunk store: finished chunks kept so that stops, crashes, retries and re-renders do nothing
 * twice. Space used against the limit, a limit to set, and a button that clears every chunk no
 * unfinished job holds (audited by the host). Clearing asks once more before it deletes.
 */
export function ChunkStorePanel() {
  const send = useSend('caller');
  const [view, setView] = useState<ChunkStoreView | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [note, setNote] = useState<string | undefined>();
  const [armed, setArmed] = useState(false);
  const [limit, setLimit] = useState<string | null>(null);
  // Jobs finishing change what is kept and what is pinned: ask again then, not only on the timer.
  const finished = useStudio((s) => Object.values(s.jobs).filter((j) => j.status === 'done' || j.status === 'failed').length);

  const refresh = useCallback(async () => {
    const reply = await send({ type: 'chunkStore' });
    if (reply.ok) {
      setView(reply.result);
      setError(undefined);
    } else setError(reply.error.message);
  }, [send]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh, finished]);

  const clear = async () => {
    if (!armed) {
      setArmed(true);
      return;
    }
    setArmed(false);
    const reply = await send({ type: 'clearChunkStore', reason: 'cleared from the window' });
    if (!reply.ok) return setError(reply.error.message);
    setView(reply.result);
    setNote(`Cleared ${reply.result.removedEntries} chunk${reply.result.removedEntries === 1 ? '' : 's'} (${formatBytes(reply.result.removedBytes)}).`);
  };

  const applyLimit = async (event: FormEvent) => {
    event.preventDefault();
    if (limit === null) return;
    const parsed = limitFromText(limit);
    if ('problem' in parsed) return setError(parsed.problem);
    const reply = await send({ type: 'setChunkStoreLimit', limitBytes: parsed.limitBytes, reason: 'set from the window' });
    if (!reply.ok) return setError(reply.error.message);
    setView(reply.result);
    setLimit(null);
    setError(undefined);
    setNote(`Limit now ${formatBytes(reply.result.limitBytes)}.`);
  };

  const summary = view ? summariseStore(view) : null;
  return (
    <section aria-label="Chunk store" className="chunk-store panel" data-testid="chunk-store">
      <h2>Chunk store</h2>
      <p className="hint">Finished chunks are kept, so a stop, a crash, a retry or a re-render does nothing twice.</p>
      {summary && view ? (
        <>
          <div className={`store-usage store-${summary.tone}`}>
            <meter min={0} max={100} value={summary.percent} aria-label="Chunk store space used" />
            <strong data-testid="chunk-store-used">{summary.usedText}</strong>
            <span className="store-tone" data-testid="chunk-store-tone">
              {summary.toneLabel}
            </span>
          </div>
          <p className="hint" data-testid="chunk-store-detail">
            {summary.detail}
          </p>
          <form className="store-limit" onSubmit={(e) => void applyLimit(e)}>
            <label>
              <span>Limit (GiB)</span>
              <input data-testid="chunk-store-limit" inputMode="decimal" value={limit ?? limitText(view)} placeholder={String(Math.round(view.limitBytes / 1024 ** 3))} onChange={(e) => setLimit(e.target.value)} title="Empty: the default, 20 GiB or half the free disk" />
            </label>
            <button type="submit" disabled={limit === null}>
              Set limit
            </button>
          </form>
          <div className="store-actions">
            <button type="button" className={armed ? 'danger' : undefined} data-testid="chunk-store-clear" onClick={() => void clear()} onBlur={() => setArmed(false)}>
              {armed ? `Delete ${view.entries - view.pinnedEntries} chunks? Press again` : 'Clear the store'}
            </button>
            {armed ? <small>Chunks held by unfinished jobs are kept.</small> : null}
          </div>
        </>
      ) : (
        <p className="hint">{error ? '' : 'Asking the host…'}</p>
      )}
      {note ? (
        <p className="form-ok" role="status" data-testid="chunk-store-note">
          {note}
        </p>
      ) : null}
      {error ? (
        <p className="form-error" role="alert" data-testid="chunk-store-error">
          {error}
        </p>
      ) : null}
    </section>
  );
}
