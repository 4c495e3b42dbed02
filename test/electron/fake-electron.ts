/**
 * NOT ELECTRON. A fake of the `electron` module, for unit tests of the shell under plain Node; a test
 * swaps it in with `vi.mock('electron', () => import('./fake-electron.ts'))`. It acts out what
 * Electron 45's documentation promises for the calls the shell makes, and records what the shell
 * asked for:
 * - `app.quit()` emits `before-quit`, whose preventDefault() stops the quit; otherwise the windows
 *   get `close`, then `will-quit`. `app.exit()` emits nothing at all.
 * - A utility process is a Node EventEmitter: an `error` nobody listens to throws, as in Electron's
 *   main process. Electron emits `exit` after `error` whatever happens; the tests do that by hand.
 * - Electron holds a main-process Notification only weakly (electron#16922): the fake keeps
 *   nothing but WeakRefs to its notifications, so one the shell drops is collected.
 * - `maximize()` shows a hidden window, as the BrowserWindow docs say.
 * Passing with this fake says the shell follows those rules; it says nothing about Electron itself,
 * which e2e/electron exercises where the binary exists.
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

// ── protocols and sessions ─────────────────────────────────────────────────

export const protocol = {
  privileged: [] as { scheme: string }[],
  handlers: new Map<string, (request: Request) => Response | Promise<Response>>(),
  registerSchemesAsPrivileged(schemes: { scheme: string }[]): void {
    protocol.privileged.push(...schemes);
  },
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    protocol.handlers.set(scheme, handler);
  },
};

export const session = {
  defaultSession: {
    requestHandler: undefined as unknown,
    checkHandler: undefined as unknown,
    setPermissionRequestHandler(handler: unknown): void {
      session.defaultSession.requestHandler = handler;
    },
    setPermissionCheckHandler(handler: unknown): void {
      session.defaultSession.checkHandler = handler;
    },
  },
};

// ── notifications ──────────────────────────────────────────────────────────

export class FakeNotification extends EventEmitter {
  static supported = true;
  /** Weak, as Electron's own hold on a Notification is: only the shell may keep one alive. */
  static made: WeakRef<FakeNotification>[] = [];
  static shown = 0;
  readonly options: { title?: string; body?: string };
  dismissed = false;

  constructor(options: { title?: string; body?: string } = {}) {
    super();
    this.options = options;
    FakeNotification.made.push(new WeakRef(this));
  }

  static isSupported(): boolean {
    return FakeNotification.supported;
  }

  static reset(): void {
    FakeNotification.supported = true;
    FakeNotification.made = [];
    FakeNotification.shown = 0;
  }

  show(): void {
    FakeNotification.shown += 1;
  }

  /** Dismissed (by the user, the OS or the shell): Electron emits 'close'. */
  close(): void {
    this.dismissed = true;
    this.emit('close');
  }
}
export { FakeNotification as Notification };

// ── utility processes ──────────────────────────────────────────────────────

export class FakeUtilityProcess extends EventEmitter {
  static forked: FakeUtilityProcess[] = [];
  readonly modulePath: string;
  readonly forkOptions: Record<string, unknown>;
  readonly messages: unknown[] = [];
  pid: number | undefined;
  killed = false;

  constructor(modulePath: string, forkOptions: Record<string, unknown>) {
    super();
    this.modulePath = modulePath;
    this.forkOptions = forkOptions;
    // Not a real process: a pid no test may ever signal for real (tests stub process.kill).
    this.pid = 2_000_000_000 + FakeUtilityProcess.forked.length;
  }

  postMessage(message: unknown): void {
    this.messages.push(message);
  }

  kill(): boolean {
    this.killed = true;
    return true;
  }
}

export const utilityProcess = {
  fork(modulePath: string, _args: string[] = [], options: Record<string, unknown> = {}): FakeUtilityProcess {
    const child = new FakeUtilityProcess(modulePath, options);
    FakeUtilityProcess.forked.push(child);
    return child;
  },
};

// ── IPC ────────────────────────────────────────────────────────────────────

class FakeIpcMain extends EventEmitter {
  readonly handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();

  handle(channel: string, handler: (event: unknown, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}
export const ipcMain = new FakeIpcMain();

export class FakeMessagePortMain extends EventEmitter {
  readonly messages: unknown[] = [];
  other: FakeMessagePortMain | undefined;
  started = false;
  closed = false;

  postMessage(message: unknown): void {
    if (!this.closed) this.messages.push(message);
  }

  start(): void {
    this.started = true;
  }

  /** Closing either end emits 'close' on both, as Electron's MessagePortMain does. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
    this.other?.close();
  }
}

export class MessageChannelMain {
  readonly port1 = new FakeMessagePortMain();
  readonly port2 = new FakeMessagePortMain();

  constructor() {
    this.port1.other = this.port2;
    this.port2.other = this.port1;
  }
}

/** Back to a fresh, not yet ready Electron; every test file calls it before each test. */
export function resetFakeElectron(): void {
  app.reset();
  FakeBrowserWindow.reset();
  FakeNotification.reset();
  FakeUtilityProcess.forked = [];
  ipcMain.removeAllListeners();
  ipcMain.handlers.clear();
  protocol.privileged.length = 0;
  protocol.handlers.clear();
  session.defaultSession.requestHandler = undefined;
  session.defaultSession.checkHandler = undefined;
  dialog.errorBoxes.length = 0;
  shell.opened.length = 0;
  Menu.current = undefined;
}
