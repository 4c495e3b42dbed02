/**
 * The desktop app once Electron is ready: the Studio host in this process, its door over IPC, the
 * app's schemes, the window, the menu, notifications and the quit sequence.
 */
import { join } from 'node:path';
import { app, type BrowserWindow, Menu, protocol, session } from 'electron';
import { APP_SCHEME } from '../app-info.ts';
import { AssetStore } from '../host/asset-store.ts';
import { Studio, osUser } from '../host/studio.ts';
import { type AppPages, BUILT_PAGES } from '../shell/app-pages.ts';
import { MEDIA_SCHEME } from '../shell/media-path.ts';
import { permissionDecision } from '../shell/navigation-policy.ts';
import { exposeStudioOverIpc } from '../transport/ipc.ts';
import type { StudioPort } from '../transport/studio-port.ts';
import { rendererFileServer } from './app-protocol.ts';
import type { BundlePaths } from './bundle-paths.ts';
import { createMainWindow } from './main-window.ts';
import { serveMedia, withDesktopMediaUrls } from './media-protocol.ts';
import { buildMenu } from './menu.ts';
import { type CircuitStateChanges, notifyOnOpenCircuits } from './notifications.ts';
import { handlePickImages } from './pick-images.ts';
import { QUIT_CLOSE_LIMIT_MS, closeStudioOnQuit, closeWithin } from './quit.ts';
import { UtilityWorkerSpawner } from './utility-spawner.ts';

/** What the shell needs of the host: its port, its circuits' state changes, and closing it. */
export interface DesktopStudio extends StudioPort {
  readonly circuits: CircuitStateChanges;
  close(): Promise<void>;
}

export type OpenStudio = (options: { dataDir: string; demoProjectPath: string; spawner: UtilityWorkerSpawner }) => Promise<DesktopStudio>;

export interface DesktopOptions {
  paths: BundlePaths;
  /** The built renderer's scheme unless npm run dev names its dev server (shell/app-pages.ts). */
  pages?: AppPages;
  /** Opens the host; Studio.open unless a test passes its own. */
  openStudio?: OpenStudio;
  /** Who the desktop's commands are audited as; the OS user unless a test says otherwise. */
  actor?: string;
}

export async function startDesktop(options: DesktopOptions): Promise<void> {
  const openStudio = options.openStudio ?? ((studioOptions) => Studio.open(studioOptions));
  const dataDir = join(app.getPath('userData'), 'studio');
  const studio = await openStudio({ dataDir, demoProjectPath: options.paths.demoProjectPath, spawner: new UtilityWorkerSpawner(options.paths.workerPath) });
  try {
    await wireDesktop(studio, dataDir, options);
  } catch (error) {
    // A half-started studio would keep its workers and its database lock until the process ends.
    const closed = await closeWithin(() => studio.close(), QUIT_CLOSE_LIMIT_MS);
    if (closed !== 'closed') console.error('the half-started studio did not close cleanly:', closed === 'timed_out' ? 'timed out' : closed.failed);
    throw error;
  }
}

async function wireDesktop(studio: DesktopStudio, dataDir: string, options: DesktopOptions): Promise<void> {
  const { paths } = options;
  const pages = options.pages ?? BUILT_PAGES;
  const actor = options.actor ?? osUser();
  exposeStudioOverIpc(withDesktopMediaUrls(studio), actor, pages);
  handlePickImages(new AssetStore(dataDir), pages);
  // A first launch opens on the demo project, so a new user sees real renders and live circuits.
  if (Object.values(studio.queueCounts()).every((n) => n === 0)) await studio.execute({ type: 'enqueue', demo: true }, actor);

  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) => callback(permissionDecision(permission, details.requestingUrl, pages)));
  session.defaultSession.setPermissionCheckHandler((_wc, permission, origin) => permissionDecision(permission, origin, pages));
  // Served in development too: the scheme stays registered, but the window loads the dev server then.
  protocol.handle(APP_SCHEME, rendererFileServer(paths.rendererDir));
  protocol.handle(MEDIA_SCHEME, (request) => serveMedia(request, [join(dataDir, 'renders')]));

  const stateFile = join(app.getPath('userData'), 'window-state.json');
  const main = createMainWindow({ preloadPath: paths.preloadPath, stateFile, pages });
  let window: BrowserWindow | undefined = main.window;
  window.on('closed', () => (window = undefined));
  Menu.setApplicationMenu(buildMenu((command) => void studio.execute(command, actor)));
  notifyOnOpenCircuits(studio.circuits, () => window);
  closeStudioOnQuit(studio, { saveWindowState: main.saveState });
}
