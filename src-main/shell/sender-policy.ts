/**
 * Who may talk to the host over IPC, and what they may say. The preload only runs in app pages,
 * but an IPC message names its sender frame, and that is the check that holds even if a page ever
 * embeds a frame or navigates where it should not.
 */
import type { z } from 'zod';
import { invalid, type ErrorReply } from '../transport/envelope.ts';
import { isAppUrl } from './navigation-policy.ts';

/**
 * The shape the shell passes in from `event.senderFrame` (a WebFrameMain):
 * `{ url: frame.url, isMainFrame: frame.parent === null }`, or null once the frame is gone.
 */
export interface SenderFrame {
  url: string;
  isMainFrame: boolean;
}

/** Only the main frame of an app page: not a destroyed frame, a subframe, devtools or another origin. */
export function isTrustedSender(frame: SenderFrame | null | undefined): boolean {
  return frame !== null && frame !== undefined && frame.isMainFrame === true && isAppUrl(frame.url);
}

export type IpcParse<T> = { ok: true; value: T } | { ok: false; reply: ErrorReply };

/**
 * Validates what arrived over IPC against a schema from the contract. A failure becomes the same
 * `{ ok: false, error: { code: 'invalid' } }` reply the WebSocket gives, ready to return from the
 * invoke handler, so the renderer sees one error shape whichever transport it is on.
 */
export function parseIpcPayload<S extends z.ZodType>(schema: S, payload: unknown): IpcParse<z.output<S>> {
  const result = schema.safeParse(payload);
  if (result.success) return { ok: true, value: result.data };
  const [first] = result.error.issues;
  const field = first && first.path.length > 0 ? first.path.map(String).join('.') : undefined;
  return { ok: false, reply: invalid(result.error.issues.map((issue) => issue.message).join('; '), field) };
}
