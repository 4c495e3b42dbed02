/**
 * NOT ELECTRON: the services of fake-electron.ts (read its header first): protocols, sessions,
 * notifications held only weakly, utility processes, and IPC with its message ports.
 */
import { EventEmitter } from 'node:events';

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
