/**
 * The Electron shell: one secure window onto the renderer, served from a custom scheme. It stays thin
 * (Electron cannot start on the build machines); the studio itself lives in modules testable under Node.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { app, BrowserWindow, protocol, session } from 'electron';
import { APP_NAME, APP_ORIGIN, APP_SCHEME } from './app-info.ts';

const rendererDir = join(import.meta.dirname, '../renderer');
const preloadPath = join(import.meta.dirname, '../preload/index.cjs');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

/** Serves files of the built renderer only; anything resolving outside it is a 404. */
async function serveRendererFile(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  const relative = normalize(decodeURIComponent(pathname === '/' ? '/index.html' : pathname));
  const file = join(rendererDir, relative);
  if (!file.startsWith(rendererDir + sep)) return new Response('not found', { status: 404 });
  try {
    const body = await readFile(file);
    return new Response(body, { headers: { 'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream' } });
  } catch {
    return new Response('not found', { status: 404 });
  }
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    title: APP_NAME,
    width: 1280,
    height: 800,
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  window.once('ready-to-show', () => window.show());
  // App pages never navigate away or open windows: links to the outside are not part of the studio.
  window.webContents.on('will-navigate', (event) => event.preventDefault());
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}

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
  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    protocol.handle(APP_SCHEME, serveRendererFile);
    createWindow();
  });
}
