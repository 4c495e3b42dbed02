/** Starting a real server on a free loopback port, and talking to it as browsers, curl and tools do. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { WebSocket } from 'ws';
import type { ServerMessage } from '../../src-preload/contract.ts';
import { type RunningServer, type ServerOptions, generateToken, startServer } from '../../src-main/transport/http-server.ts';
import { FakeStudio } from './fake-studio.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A built renderer in a temp folder, next to a file it must never serve. */
export function makeRendererDir(): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'storycore-transport-'));
  const dir = join(root, 'renderer');
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>studio</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log("studio")');
  writeFileSync(join(dir, 'assets', 'app.css'), 'body{}');
  writeFileSync(join(root, 'secret.txt'), 'outside the renderer');
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  return { root, dir };
}

export async function serve(options: Partial<ServerOptions> = {}): Promise<{ server: RunningServer; studio: FakeStudio; token: string; port: number }> {
  const studio = (options.studio as FakeStudio | undefined) ?? new FakeStudio();
  const token = options.token ?? generateToken();
  const server = await startServer({ host: '127.0.0.1', port: 0, rendererDir: null, ...options, studio, token });
  cleanups.push(() => server.close());
  return { server, studio, token, port: server.port };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request sent exactly as written: fetch would normalize "/../x" before it left. */
export function raw(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** A WebSocket client that keeps every message, so tests can wait for the one they expect. */
export class Client {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  constructor(port: number, options: { token?: string; headers?: Record<string, string>; autoPong?: boolean } = {}) {
    const headers = { ...(options.token ? bearer(options.token) : {}), ...options.headers };
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers, autoPong: options.autoPong ?? true });
    this.ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as ServerMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.on('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));
    cleanups.push(() => this.ws.terminate());
  }

  send(value: unknown): void {
    this.ws.send(typeof value === 'string' ? value : JSON.stringify(value));
  }

  /** The first message (from `from` on) matching `match`, waiting up to `ms`. */
  async next<T extends ServerMessage>(match: (m: ServerMessage) => m is T, ms = 3000, from = 0): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.messages.slice(from).find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching message within ${ms} ms; got ${this.messages.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  reply(id: number | null, ms?: number) {
    return this.next((m): m is Extract<ServerMessage, { type: 'reply' }> => m.type === 'reply' && m.id === id, ms);
  }

  replies(): Extract<ServerMessage, { type: 'reply' }>[] {
    return this.messages.filter((m): m is Extract<ServerMessage, { type: 'reply' }> => m.type === 'reply');
  }
}

/** The status a WebSocket handshake gets: 101 when it opens, else what the server refused with. */
export function upgradeStatus(port: number, headers: Record<string, string> = {}, path = '/ws'): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('error', reject);
  });
}

export const until = async (condition: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};
