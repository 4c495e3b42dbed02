/**
 * The connection to the studio, handed to every component through React context instead of a `send`
 * prop drilled through each panel.
 */
import { createContext, type ReactNode, useContext, useMemo } from 'react';
import { type FailuresShown, type Send, sendThrough } from './send.ts';
import { useStudio } from './store.ts';
import type { StudioConnection } from './transport.ts';

const StudioContext = createContext<StudioConnection | null>(null);

export function StudioProvider({ studio, children }: { studio: StudioConnection; children: ReactNode }) {
  return <StudioContext value={studio}>{children}</StudioContext>;
}

export function useStudioConnection(): StudioConnection {
  const studio = useContext(StudioContext);
  if (!studio) throw new Error('a component asked for the studio connection outside <StudioProvider>');
  return studio;
}

/**
 * The window's one way to send a command; see FailuresShown for where a refusal appears. The same
 * function for the life of the connection, so memoised rows and effects can depend on it.
 */
export function useSend(failures: FailuresShown = 'error-line'): Send {
  const studio = useStudioConnection();
  const setError = useStudio((s) => s.setError);
  return useMemo(() => sendThrough(studio, setError, failures), [studio, setError, failures]);
}
