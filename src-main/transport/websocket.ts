/**
 * The studio over WebSocket at /ws: a hello, then every event batch, and a reply for every frame the
 * client sends. One misbehaving client (garbage, floods, huge frames, not reading) costs at most its
 * own connection; the host and the other clients carry on.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { type CommandReply, PROTOCOL_VERSION, type ServerMessage } from '../../src-preload/contract.ts';
import { invalid, parseFrame } from './envelope.ts';
import { TokenBucket } from './rate-limit.ts';
import { type StudioPort, executeOrExplain } from './studio-port.ts';

export interface WebSocketLimits {
  /** Larger frames close the connection with 1009 (ws enforces it while reading, before buffering it all). */
  maxPayloadBytes: number;
  /** Commands a client may send: a token bucket of `commandBurst`, refilled at `commandsPerSecond`. */
  commandsPerSecond: number;
  commandBurst: number;
  /** Messages refused for rate that a client may send (same refill) before it is closed with 1008. */
  rejectedBurst: number;
  /** The bus holds back and coalesces batches for a client whose unsent bytes exceed this. */
  backedUpBytes: number;
  /**
   * ...or whose last ping has gone unanswered this long. Unsent bytes alone cannot tell: the kernel
   * absorbs megabytes before Node sees any backlog, while a pong comes back only after the client
   * has read everything sent before its ping (measured: bench/events.ts).
   */
  lagLimitMs: number;
  /** A client this far behind is not reading at all: it is dropped rather than buffered for. */
  maxBufferedBytes: number;
  pingIntervalMs: number;
  /** Without a pong or a message for this long, the connection is terminated. */
  deadAfterMs: number;
}

export const DEFAULT_WS_LIMITS: WebSocketLimits = {
  maxPayloadBytes: 256 * 1024,
  commandsPerSecond: 100,
  commandBurst: 200,
  rejectedBurst: 1000,
  backedUpBytes: 1024 * 1024,
  lagLimitMs: 1500,
  maxBufferedBytes: 64 * 1024 * 1024,
  pingIntervalMs: 1000,
  deadAfterMs: 30_000,
};

export interface StudioSockets {
  /** Completes an upgrade the HTTP server has already authenticated and checked. */
  accept(req: IncomingMessage, socket: Duplex, head: Buffer, actor: string): void;
  readonly clientCount: number;
  /** Says goodbye (1001) to every client and stops the heartbeat. */
  close(): Promise<void>;
}

export function createStudioSockets(studio: StudioPort, overrides: Partial<WebSocketLimits> = {}): StudioSockets {
  const limits = { ...DEFAULT_WS_LIMITS, ...overrides };
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayloadBytes, clientTracking: false });
  // Liveness is a duration, so it runs on the monotonic clock: with Date.now(), a step of the wall
  // clock past deadAfterMs dropped every client, and a step back kept dead ones.
  const now = () => performance.now();
  /** When (performance.now()) each client was last heard from. */
  const lastSeen = new Map<WebSocket, number>();
  /** When (performance.now()) each client's outstanding ping was sent; absent once answered. One ping in flight at most. */
  const pingSentAt = new Map<WebSocket, number>();

  const heartbeat = setInterval(() => {
    const at = now();
    for (const [ws, seen] of lastSeen) {
      if (at - seen >= limits.deadAfterMs) ws.terminate();
      else if (ws.readyState === WebSocket.OPEN && !pingSentAt.has(ws)) {
        pingSentAt.set(ws, at);
        ws.ping();
      }
    }
  }, limits.pingIntervalMs);
  heartbeat.unref();

  function connect(ws: WebSocket, actor: string): void {
    lastSeen.set(ws, now());
    const seen = () => lastSeen.set(ws, now());
    const commands = new TokenBucket({ perSecond: limits.commandsPerSecond, burst: limits.commandBurst });
    const strikes = new TokenBucket({ perSecond: limits.commandsPerSecond, burst: limits.rejectedBurst });

    const send = (message: ServerMessage) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > limits.maxBufferedBytes) {
        ws.terminate(); // a close frame would wait behind everything it is not reading
        return;
      }
      ws.send(JSON.stringify(message));
    };
    const reply = (id: number | null, answer: CommandReply) => send({ type: 'reply', id, ...answer });

    send({ type: 'hello', version: PROTOCOL_VERSION, actor });
    let unsubscribe = () => {};
    try {
      unsubscribe = studio.subscribe((batch) => send({ type: 'batch', batch }), {
        isBackedUp: () => {
          const sent = pingSentAt.get(ws);
          return ws.bufferedAmount > limits.backedUpBytes || (sent !== undefined && now() - sent > limits.lagLimitMs);
        },
      });
    } catch {
      ws.close(1011, 'the studio refused the subscription');
    }

    // ws reports a bad frame (oversized, invalid UTF-8, protocol error) here and closes that
    // connection itself with the fitting code; without a listener the error would crash the host.
    ws.on('error', () => {});
    ws.on('pong', () => {
      seen();
      pingSentAt.delete(ws);
    });
    ws.on('close', () => {
      lastSeen.delete(ws);
      pingSentAt.delete(ws);
      unsubscribe();
    });
    ws.on('message', (data, isBinary) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      seen();
      const limited = !commands.take();
      if (limited && !strikes.take()) {
        ws.close(1008, 'rate limit exceeded');
        return;
      }
      const frame = parseFrame(data, isBinary);
      if (limited) {
        reply(frame.id, invalid(`rate limit: at most ${limits.commandsPerSecond} messages a second (bursts of ${limits.commandBurst}); slow down and resend`));
      } else if ('reply' in frame) {
        reply(frame.id, frame.reply);
      } else {
        void executeOrExplain(studio, frame.command, actor).then((answer) => reply(frame.id, answer));
      }
    });
  }

  return {
    accept(req, socket, head, actor) {
      wss.handleUpgrade(req, socket, head, (ws) => connect(ws, actor));
    },
    get clientCount() {
      return lastSeen.size;
    },
    async close() {
      clearInterval(heartbeat);
      const closing = [...lastSeen.keys()].map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once('close', () => resolve());
            ws.close(1001, 'server shutting down');
            setTimeout(() => ws.terminate(), 1000).unref();
          }),
      );
      await Promise.all(closing);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
