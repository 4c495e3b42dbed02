/**
 * Belt and braces for every webContents the app ever creates, not only the main window: no
 * navigation away, no redirects off the app, no <webview>, no popups.
 */
import { app } from 'electron';
import type { AppPages } from '../shell/app-pages.ts';
import { navigationDecision, windowOpenDecision } from '../shell/navigation-policy.ts';

export function guardAllWebContents(pages: AppPages): void {
  app.on('web-contents-created', (_event, contents) => {
    const guard = (event: { preventDefault(): void }, url: string) => {
      if (navigationDecision(url, pages) === 'deny') event.preventDefault();
    };
    contents.on('will-navigate', guard);
    // A server redirect is a navigation the page did not ask for; the same rule applies.
    contents.on('will-redirect', guard);
    // The studio has no <webview>; one attached by injected markup would be a second, unguarded page.
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => windowOpenDecision(url));
  });
}
