/**
 * Sending a command from the window. The reply is typed by the command it answers (the contract's
 * CommandResults), so no component casts a result. Pure, so it is tested under Node; components
 * take it through `useSend` (studio-context.tsx).
 */
import type { Command, CommandReply, StudioApi } from '../../src-preload/contract.ts';

export type Send = <C extends Command>(command: C) => Promise<CommandReply<C['type']>>;

/**
 * Where a refusal shows. `error-line`: in the window's error line, which a success clears (the
 * control bar and the queue). `caller`: only where the caller puts it, at its own form, and the
 * error line is left alone (the drill and circuit settings panels).
 */
export type FailuresShown = 'error-line' | 'caller';

export function sendThrough(studio: Pick<StudioApi, 'send'>, setError: (message: string | undefined) => void, failures: FailuresShown): Send {
  if (failures === 'caller') return (command) => studio.send(command);
  return async (command) => {
    const reply = await studio.send(command);
    setError(reply.ok ? undefined : reply.error.message);
    return reply;
  };
}
