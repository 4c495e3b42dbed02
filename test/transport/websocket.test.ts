import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type ServerMessage } from '../../src-preload/contract.ts';
import { bearer, Client, serve, until } from './helpers.ts';

type Batch = Extract<ServerMessage, { type: 'batch' }>;
const isBatch = (m: ServerMessage): m is Batch => m.type === 'batch';

async function connected(port: number, token: string, options: ConstructorParameters<typeof Client>[1] = {}) {
  const client = new Client(port, { token, ...options });
  await client.opened;
  return client;
}

/** A client that completes the handshake and then never reads: its server-side buffer can only grow. */
function stalledClient(port: number, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/ws',
      headers: { ...bearer(token), Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64') },
    });
    req.on('upgrade', (_res, socket) => {
      socket.pause();
      resolve(socket);
    });
    req.on('response', (res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

describe('WebSocket', () => {
  it('says hello, delivers batches and answers commands as the token name', async () => {
    const { port, token, studio } = await serve({ tokenName: 'wall-display' });
    const client = await connected(port, token);
    expect(await client.next((m): m is Extract<ServerMessage, { type: 'hello' }> => m.type === 'hello')).toEqual({ type: 'hello', version: PROTOCOL_VERSION, actor: 'wall-display' });
    expect(client.messages[0]?.type).toBe('hello');
    expect((await client.next(isBatch)).batch.snapshot).toBeDefined();
    const sent = studio.emit({ jobs: [], dropped: 2 });
    expect((await client.next((m): m is Batch => isBatch(m) && m.batch.seq === sent.seq)).batch).toEqual(sent);

    client.send({ id: 7, command: { type: 'pauseQueue' } });
    expect(await client.reply(7)).toEqual({ type: 'reply', id: 7, ok: true, result: { did: 'pauseQueue' } });
    expect(studio.commands).toEqual([{ command: { type: 'pauseQueue' }, actor: 'wall-display' }]);
    client.send({ id: 8, command: { type: 'cancel', jobId: 'missing' } });
    expect(await client.reply(8)).toMatchObject({ ok: false, error: { code: 'not_found' } });
    client.send({ id: 9, command: { type: 'retry', jobId: 'explode' } });
    expect(await client.reply(9)).toMatchObject({ ok: false, error: { code: 'internal' } });

    client.ws.close();
    await until(() => studio.subscribers.size === 0);
  });

  it('answers bad input with an error naming the problem, and keeps the connection open', async () => {
    const { port, token, studio } = await serve();
    const client = await connected(port, token);
    client.send('{"id": 1, "command": ');
    expect(await client.reply(null)).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringMatching(/^malformed JSON: /) } });
    client.send({ id: 'one', command: { type: 'snapshot' } });
    await until(() => client.replies().length === 2);
    expect(client.replies()[1]).toMatchObject({ id: null, ok: false, error: { code: 'invalid', field: 'id', message: 'id must be a number' } });
    client.send({ id: 2, command: { type: 'snapshot' }, sneaky: true });
    expect(await client.reply(2)).toMatchObject({ ok: false, error: { code: 'invalid', field: 'sneaky' } });
    client.send({ id: 3 });
    expect(await client.reply(3)).toMatchObject({ ok: false, error: { field: 'command', message: 'command is required' } });
    client.send({ id: 4, command: { type: 'explode' } });
    expect(await client.reply(4)).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringMatching(/unknown command type/) } });
    client.send([1, 2]);
    client.send('42');
    await until(() => client.replies().length === 7);
    client.ws.send(Buffer.from(JSON.stringify({ id: 5, command: { type: 'snapshot' } })), { binary: true });
    await until(() => client.replies().length === 8);
    expect(client.replies()[7]).toMatchObject({ id: null, ok: false, error: { code: 'invalid', message: expect.stringMatching(/binary frames/) } });

    client.send({ id: 6, command: { type: 'snapshot' } });
    expect(await client.reply(6)).toMatchObject({ ok: true });
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    // Only envelopes that parsed reached the studio (which judged the command itself).
    expect(studio.commands.map((c) => c.command)).toEqual([{ type: 'explode' }, { type: 'snapshot' }]);
  });

  it('closes a connection that sends an oversized frame with 1009, and serves the next one', async () => {
    const { port, token } = await serve({ maxPayloadBytes: 64 * 1024 });
    const big = await connected(port, token);
    big.send({ id: 1, command: { type: 'snapshot', pad: 'x'.repeat(100 * 1024) } });
    expect((await big.closed).code).toBe(1009);
    const next = await connected(port, token);
    next.send({ id: 2, command: { type: 'snapshot' } });
    expect(await next.reply(2)).toMatchObject({ ok: true });
  });

  it('rate-limits a flood without executing it, while serving others and then the flooder again', async () => {
    const { port, token, studio } = await serve();
    const flooder = await connected(port, token);
    const other = await connected(port, token);
    for (let id = 0; id < 1000; id++) flooder.send({ id, command: { type: 'snapshot' } });
    other.send({ id: 1, command: { type: 'pauseQueue' } });
    expect(await other.reply(1)).toMatchObject({ ok: true });

    await until(() => flooder.replies().length === 1000, 5000);
    const limited = flooder.replies().filter((r) => !r.ok && r.error.message.startsWith('rate limit: '));
    const executed = flooder.replies().filter((r) => r.ok);
    expect(limited.length + executed.length).toBe(1000);
    expect(executed.length).toBeGreaterThanOrEqual(200);
    expect(executed.length).toBeLessThan(400);
    expect(studio.commands.length).toBe(executed.length + 1);
    // Every message got its own answer, so a client can settle each request it made.
    expect(new Set(flooder.replies().map((r) => r.id)).size).toBe(1000);

    await new Promise((r) => setTimeout(r, 50));
    flooder.send({ id: 5000, command: { type: 'snapshot' } });
    expect(await flooder.reply(5000)).toMatchObject({ ok: true });
  });

  it('closes a client that keeps flooding past the hard limit with 1008; others carry on', async () => {
    const { port, token } = await serve();
    const flooder = await connected(port, token);
    const other = await connected(port, token);
    for (let id = 0; id < 3000; id++) flooder.send({ id, command: { type: 'snapshot' } });
    expect((await flooder.closed).code).toBe(1008);
    expect(flooder.replies().length).toBeLessThan(3000);
    other.send({ id: 1, command: { type: 'snapshot' } });
    expect(await other.reply(1)).toMatchObject({ ok: true });
  });

  it('reports a client that does not read as backed up, and keeps the others flowing', async () => {
    const { port, token, studio } = await serve();
    const stalled = await stalledClient(port, token);
    const fast = await connected(port, token);
    await until(() => studio.subscribers.size === 2);
    const [slowSub, fastSub] = [...studio.subscribers];
    const pad = 'x'.repeat(512 * 1024);
    const sent = [];
    for (let i = 0; i < 32; i++) sent.push(studio.emit({ events: [{ kind: 'log', level: 'info', jobId: null, message: pad, at: i }] }).seq);
    expect(slowSub?.isBackedUp()).toBe(true);

    await until(() => fast.messages.filter(isBatch).length === 33, 5000);
    expect(fast.messages.filter(isBatch).map((m) => m.batch.seq).slice(1)).toEqual(sent);
    fast.send({ id: 1, command: { type: 'snapshot' } });
    expect(await fast.reply(1)).toMatchObject({ ok: true });
    expect(fastSub?.isBackedUp()).toBe(false);
    stalled.destroy();
    await until(() => studio.subscribers.size === 1);
  });

  it('terminates a client that stops answering pings, and keeps one that answers', async () => {
    const { port, token, studio } = await serve({ webSocket: { pingIntervalMs: 30, deadAfterMs: 100 } });
    const mute = await connected(port, token, { autoPong: false });
    const alive = await connected(port, token);
    expect((await mute.closed).code).toBe(1006);
    await new Promise((r) => setTimeout(r, 150));
    expect(alive.ws.readyState).toBe(alive.ws.OPEN);
    expect(studio.subscribers.size).toBe(1);
  });

  it('says goodbye with 1001 when the server closes', async () => {
    const { port, token, server } = await serve();
    const client = await connected(port, token);
    await server.close();
    expect((await client.closed).code).toBe(1001);
  });
});
