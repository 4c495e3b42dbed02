/**
 * The Electron shell: one secure window onto the renderer, served from a custom scheme, with the
 * Studio host running in this main process and its workers as utility processes. It stays thin
 * (Electron cannot start on the build machines): every policy it applies is a tested plain module.
 */
import { readFile, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { app, BrowserWindow, Menu, Notification, protocol, screen, session, shell } from 'electron';
import { APP_NAME, APP_ORIGIN, APP_SCHEME } from './app-info.ts';
import { UtilityWorkerSpawner } from './electron/utility-spawner.ts';
import { buildMenu } from './electron/menu.ts';
import { serveMedia, withDesktopMediaUrls } from './electron/media-protocol.ts';
import { Studio, osUser } from './host/studio.ts';
import { contentSecurityPolicy } from './shell/csp.ts';
import { MEDIA_SCHEME } from './shell/media-path.ts';
import { externalLinkToOpen, navigationDecision, permissionDecision, windowOpenDecision } from './shell/navigation-policy.ts';
import { MIN_WINDOW_SIZE, loadWindowState, restoreBounds, saveWindowState } from './shell/window-state.ts';
import { exposeStudioOverIpc } from './transport/ipc.ts';
import { contentTypeOf, findRendererFile } from './transport/static-files.ts';

const rendererDir = join(import.meta.dirname, '../renderer');
const preloadPath = join(import.meta.dirname, '../preload/index.cjs');
const workerPath = join(import.meta.dirname, 'worker.js');
const demoProjectPath = app.isPackaged ? join(process.resourcesPath, 'demo', 'project.json') : join(import.meta.dirname, '../../resources/demo/project.json');


protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } },
]);

/** Serves files of the built renderer only (the same resolver as serve mode), with the strict CSP. */
async function serveRendererFile(request: Request): Promise<Response> {
  const root = await realpath(rendererDir).catch(() => null);
  const found = root === null ? null : await findRendererFile(root, new URL(request.url).pathname);
  if (found === null) return new Response('not found', { status: 404 });
  return new Response(await readFile(found.file), {
    headers: { 'content-type': contentTypeOf(found.file), 'content-security-policy': contentSecurityPolicy(), 'x-content-type-options': 'nosniff' },
  });
}

function createWindow(stateFile: string): BrowserWindow {
  const bounds = restoreBounds(loadWindowState(stateFile), screen.getAllDisplays().map((d) => d.workArea), { width: 1280, height: 800 });
  const window = new BrowserWindow({
    title: APP_NAME,
    ...bounds,
    center: bounds.x === undefined,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    show: false,
    webPreferences: { preload: preloadPath, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  });
  if (bounds.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());
  window.webContents.on('will-navigate', (event, url) => {
    if (navigationDecision(url) === 'deny') event.preventDefault();
  });
  window.webContents.setWindowOpenHandler(({ url }) => {
    const external = externalLinkToOpen(url);
    if (external) void shell.openExternal(external);
    return windowOpenDecision(url);
  });
  window.on('close', () => saveWindowState(stateFile, { ...window.getNormalBounds(), maximized: window.isMaximized() }));
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}

/** A desktop notification when a circuit opens; clicking it brings the studio forward. */
function notifyOnOpenCircuits(studio: Studio, window: () => BrowserWindow | undefined): void {
  studio.circuits.on('state_change', (change) => {
    if (change.to !== 'open' || !Notification.isSupported()) return;
    const note = new Notification({ title: `Circuit ${change.circuit} opened`, body: change.reason });
    note.on('click', () => {
      const w = window();
      if (!w) return;
      if (w.isMinimized()) w.restore();
      w.focus();
      w.webContents.send('studio:focus-circuit', change.circuit);
    });
    note.show();
  });
}

async function start(): Promise<void> {
  const dataDir = join(app.getPath('userData'), 'studio');
  const studio = await Studio.open({ dataDir, demoProjectPath, spawner: new UtilityWorkerSpawner(workerPath) });
  const actor = osUser();
  exposeStudioOverIpc(withDesktopMediaUrls(studio), actor);
  // A first launch opens on the demo project, so a new user sees real renders and live circuits.
  if (Object.values(studio.queueCounts()).every((n) => n === 0)) await studio.execute({ type: 'enqueue', demo: true }, actor);

  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) => callback(permissionDecision(permission, details.requestingUrl)));
  session.defaultSession.setPermissionCheckHandler((_wc, permission, origin) => permissionDecision(permission, origin));
  protocol.handle(APP_SCHEME, serveRendererFile);
  protocol.handle(MEDIA_SCHEME, (request) => serveMedia(request, [join(dataDir, 'renders')]));

  let window: BrowserWindow | undefined = createWindow(join(app.getPath('userData'), 'window-state.json'));
  window.on('closed', () => (window = undefined));
  Menu.setApplicationMenu(buildMenu((command) => void studio.execute(command, actor)));
  notifyOnOpenCircuits(studio, () => window);

  // On quit: running jobs go back to the queue, every worker and ffmpeg ends, then the app exits.
  let closing = false;
  app.on('before-quit', (event) => {
    if (closing) return;
    closing = true;
    event.preventDefault();
    void studio.close().finally(() => app.exit(0));
  });
}

// Tests (and anyone wanting a second, separate studio) may point the app at another data folder.
if (process.env.STORYCORE_USER_DATA) app.setPath('userData', process.env.STORYCORE_USER_DATA);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows();
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  app.on('window-all-closed', () => app.quit());
  app.on('web-contents-created', (_event, contents) => {
    // Belt and braces for any webContents, not only the main window: no navigation away, no popups.
    const guard = (event: { preventDefault(): void }, url: string) => {
      if (navigationDecision(url) === 'deny') event.preventDefault();
    };
    contents.on('will-navigate', guard);
    // A server redirect is a navigation the page did not ask for; the same rule applies.
    contents.on('will-redirect', guard);
    // The studio has no <webview>; one attached by injected markup would be a second, unguarded page.
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => windowOpenDecision(url));
  });
  void app.whenReady().then(start, (error: unknown) => {
    console.error(error);
    app.exit(1);
  });
}
