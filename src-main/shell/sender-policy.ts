/**
 * Who may talk to the host over IPC. The preload only runs in app pages, but an IPC message names
 * its sender frame, and that is the check that holds even if a page ever embeds a frame or
 * navigates where it should not. (What they may say is the transport's: transport/ipc-handlers.ts.)
 */
import { type AppPages, BUILT_PAGES } from './app-pages.ts';
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
export function isTrustedSender(frame: SenderFrame | null | undefined, pages: AppPages = BUILT_PAGES): boolean {
  return frame !== null && frame !== undefined && frame.isMainFrame === true && isAppUrl(frame.url, pages);
}
