/**
 * NOT ELECTRON: the app and its windows for fake-electron.ts (read its header first): the quit
 * order, app.exit, windows that may be shown, maximized, closed and destroyed, and the small
 * modules around them (screen, shell, dialog, Menu).
 */
import { EventEmitter } from 'node:events';

export class FakeEvent {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

// ── app ─────────────────────────────────────────────────────────────────────

class FakeApp extends EventEmitter {
  isPackaged = false;
  /** The code of the first app.exit(), if any. */
  exitCode: number | undefined;
  userModelId: string | undefined;
  lockAvailable = true;
  lockReleased = false;
  readonly paths = new Map<string, string>();
  private ready!: Promise<void>;
  private markReady!: () => void;
  private exitWaiters: ((code: number) => void)[] = [];

  constructor() {
    super();
    this.reset();
  }

  reset(): void {
    this.removeAllListeners();
    this.isPackaged = false;
    this.exitCode = undefined;
    this.userModelId = undefined;
    this.lockAvailable = true;
    this.lockReleased = false;
    this.paths.clear();
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.exitWaiters = [];
  }

  whenReady(): Promise<void> {
    return this.ready;
  }

  /** What Electron does when it has started: resolves whenReady() and emits 'ready'. */
  becomeReady(): void {
    this.markReady();
    this.emit('ready');
  }

  getPath(name: string): string {
    const path = this.paths.get(name);
    if (path === undefined) throw new Error(`fake app: no path for ${name}; the test must setPath it`);
    return path;
  }

  setPath(name: string, path: string): void {
    this.paths.set(name, path);
  }

  setAppUserModelId(id: string): void {
    this.userModelId = id;
  }

  requestSingleInstanceLock(): boolean {
    return this.lockAvailable;
  }

  releaseSingleInstanceLock(): void {
    this.lockReleased = true;
  }

  quit(): void {
    const beforeQuit = new FakeEvent();
    this.emit('before-quit', beforeQuit);
    if (beforeQuit.defaultPrevented) return;
    for (const window of FakeBrowserWindow.getAllWindows()) {
      window.close();
      if (!window.isDestroyed()) return;
    }
    const willQuit = new FakeEvent();
    this.emit('will-quit', willQuit);
    if (!willQuit.defaultPrevented) this.recordExit(0);
  }

  /** Ends at once: no before-quit, no will-quit, no window 'close' (Electron's docs for app.exit). */
  exit(code = 0): void {
    this.recordExit(code);
  }

  /** Resolves with the exit code once the app exits. */
  exited(): Promise<number> {
    if (this.exitCode !== undefined) return Promise.resolve(this.exitCode);
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  private recordExit(code: number): void {
    if (this.exitCode !== undefined) return;
    this.exitCode = code;
    for (const wake of this.exitWaiters.splice(0)) wake(code);
  }
}

export const app = new FakeApp();

// ── windows ─────────────────────────────────────────────────────────────────

class FakeWebContents extends EventEmitter {
  readonly sent: unknown[][] = [];
  readonly posted: { channel: string; message: unknown; ports: unknown[] }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  private destroyed = false;

  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }

  postMessage(channel: string, message: unknown, ports: unknown[] = []): void {
    this.posted.push({ channel, message, ports });
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('destroyed');
  }
}

export class FakeBrowserWindow extends EventEmitter {
  private static all: FakeBrowserWindow[] = [];
  readonly options: Record<string, unknown>;
  readonly webContents = new FakeWebContents();
  /** What the shell did to the window, in order: 'maximize', 'show', 'focus', 'load <url>', ... */
  readonly actions: string[] = [];
  bounds: Rect;
  visible: boolean;
  maximized = false;
  minimized = false;
  url: string | undefined;
  private destroyed = false;

  constructor(options: Record<string, unknown> = {}) {
    super();
    this.options = options;
    const { x = 100, y = 100, width = 800, height = 600 } = options as Partial<Rect>;
    this.bounds = { x, y, width, height };
    this.visible = options.show !== false;
    FakeBrowserWindow.all.push(this);
    app.emit('web-contents-created', new FakeEvent(), this.webContents);
  }

  static getAllWindows(): FakeBrowserWindow[] {
    return [...FakeBrowserWindow.all];
  }

  static reset(): void {
    FakeBrowserWindow.all = [];
  }

  loadURL(url: string): Promise<void> {
    this.url = url;
    this.actions.push(`load ${url}`);
    return Promise.resolve();
  }

  /** What Electron does once the page has painted (the window was created with show: false). */
  readyToShow(): void {
    this.emit('ready-to-show');
  }

  show(): void {
    this.visible = true;
    this.actions.push('show');
  }

  /** As documented: "This will also show (but not focus) the window if it isn't being displayed already." */
  maximize(): void {
    this.maximized = true;
    this.visible = true;
    this.actions.push('maximize');
  }

  isMaximized(): boolean {
    return this.maximized;
  }

  isMinimized(): boolean {
    return this.minimized;
  }

  restore(): void {
    this.minimized = false;
    this.actions.push('restore');
  }

  focus(): void {
    this.actions.push('focus');
  }

  getNormalBounds(): Rect {
    return { ...this.bounds };
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** The user closing the window: 'close' (which may be prevented), then 'closed'. */
  close(): void {
    const event = new FakeEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    FakeBrowserWindow.all = FakeBrowserWindow.all.filter((w) => w !== this);
    this.emit('closed');
    this.webContents.destroy();
  }
}
export { FakeBrowserWindow as BrowserWindow };

export const screen = {
  displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
  getAllDisplays() {
    return screen.displays;
  },
};

export const shell = {
  opened: [] as string[],
  openExternal(url: string): Promise<void> {
    shell.opened.push(url);
    return Promise.resolve();
  },
};

export const dialog = {
  errorBoxes: [] as { title: string; content: string }[],
  showErrorBox(title: string, content: string): void {
    dialog.errorBoxes.push({ title, content });
  },
};

export const Menu = {
  current: undefined as unknown,
  buildFromTemplate(template: unknown[]) {
    return { template };
  },
  setApplicationMenu(menu: unknown): void {
    Menu.current = menu;
  },
};
