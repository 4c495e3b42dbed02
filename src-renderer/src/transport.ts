/**
 * How the renderer reaches the studio: in the desktop app the preload's `window.studio` (IPC and a
 * MessagePort); in a browser the same StudioApi over the serve mode's WebSocket. Nothing else in
 * the renderer knows which one it has.
 */
import type { Command, CommandReply, CommandType, EventBatch, ServerMessage, StudioApi } from '../../src-preload/contract.ts';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface StudioConnection extends StudioApi {
  onConnection(listener: (state: ConnectionState, detail?: string) => void): () => void;
}

export function connectStudio(): StudioConnection {
  const desktop = window.studio;
  if (desktop) {
    // IPC has no connection to lose: the host lives in the same app.
    return { ...desktop, onConnection: (listener) => (listener('connected'), () => {}) };
  }
  return new BrowserStudio(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
}

/**
 * The wire boundary, and the window's one cast of a command result. The host answers a command's id
 * with that command's result (the contract's CommandResults, which the host's handlers are typed
 * against); what arrives on the socket is known here only as some command's reply, matched to its
 * command by id. Nothing else in the window casts a result.
 */
function replyTo<T extends CommandType>(reply: CommandReply): CommandReply<T> {
  return reply as CommandReply<T>;
}

/** The WebSocket client: one socket, replies matched by id, reconnecting with backoff after a host restart. */
class BrowserStudio implements StudioConnection {
  readonly appName = 'StoryCore Studio';
  readonly host = 'browser' as const;
  private socket: WebSocket | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: CommandReply) => void>();
  private readonly listeners = new Set<(batch: EventBatch) => void>();
  private readonly connectionListeners = new Set<(state: ConnectionState, detail?: string) => void>();
  /**
   * Batches that arrive before anyone subscribes (the socket opens before React's first render), kept
   * for the first subscriber: the first of them is the snapshot, and without it the page would know
   * only the circuits that happen to change. Null once delivered.
   */
  private early: EventBatch[] | null = [];
  private retryMs = 250;
  private state: ConnectionState = 'connecting';
  private readonly url: string;

  constructor(url: string) {
    this.url = url;
    this.open();
  }

  private setState(state: ConnectionState, detail?: string): void {
    this.state = state;
    for (const listener of this.connectionListeners) listener(state, detail);
  }

  private open(): void {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.retryMs = 250;
      this.setState('connected');
    };
    socket.onmessage = (event: MessageEvent<string>) => {
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        return;
      }
      if (message.type === 'batch') {
        if (this.early) {
          // A page that never subscribes must not hoard batches: keep the snapshot and the newest few.
          if (this.early.length >= 50) this.early.splice(1, 1);
          this.early.push(message.batch);
        }
        for (const listener of this.listeners) listener(message.batch);
      }
      else if (message.type === 'reply' && message.id !== null) {
        const { type: _type, id, ...reply } = message;
        this.pending.get(id)?.(reply);
        this.pending.delete(id);
      }
    };
    socket.onclose = () => {
      for (const resolve of this.pending.values()) resolve({ ok: false, error: { code: 'internal', message: 'the connection to the studio closed' } });
      this.pending.clear();
      this.setState('reconnecting', `retrying in ${(this.retryMs / 1000).toFixed(1)} s`);
      setTimeout(() => this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 5000);
    };
  }

  send<C extends Command>(command: C): Promise<CommandReply<C['type']>> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.resolve({ ok: false, error: { code: 'internal', message: 'not connected to the studio yet' } });
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (reply) => resolve(replyTo<C['type']>(reply)));
      socket.send(JSON.stringify({ id, command }));
    });
  }

  subscribe(listener: (batch: EventBatch) => void): () => void {
    this.listeners.add(listener);
    const early = this.early;
    this.early = null;
    for (const batch of early ?? []) listener(batch);
    return () => this.listeners.delete(listener);
  }

  onConnection(listener: (state: ConnectionState, detail?: string) => void): () => void {
    this.connectionListeners.add(listener);
    listener(this.state);
    return () => this.connectionListeners.delete(listener);
  }
}
