/**
 * WebSocket liveness runs on the monotonic clock: a step of the wall clock (NTP, a suspended laptop,
 * a user setting the time) must neither drop live clients nor keep dead ones. The wall clock is
 * stepped by replacing Date.now; the waits use timers, which do not read it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearer, Client, raw, serve } from './helpers.ts';

afterEach(() => vi.restoreAllMocks());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function stepWallClock(byMs: number): void {
  const wall = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => wall() + byMs);
}

describe('WebSocket liveness and the wall clock', () => {
  it('keeps live clients when the wall clock jumps forward past the dead-client limit', async () => {
    const { port, token, studio } = await serve({ webSocket: { pingIntervalMs: 20, deadAfterMs: 30_000 } });
    const client = new Client(port, { token });
    await client.opened;
    stepWallClock(60_000);
    await sleep(200);
    expect(client.ws.readyState, 'a 60 s step of the wall clock dropped a client that answers every ping').toBe(client.ws.OPEN);
    expect(studio.subscribers.size).toBe(1);
  });

  it('does not call a client backed up because the wall clock jumped while a ping was out', async () => {
    const { port, token, studio } = await serve({ webSocket: { pingIntervalMs: 20, lagLimitMs: 1500 } });
    const client = new Client(port, { token, autoPong: false });
    await client.opened;
    await sleep(60); // a ping is out and, without autoPong, stays unanswered
    stepWallClock(60_000);
    const [subscriber] = [...studio.subscribers];
    expect(subscriber?.isBackedUp(), 'a wall-clock step made an unanswered ping of 60 ms look 60 s old').toBe(false);
  });

  it('still drops a client that stops answering, after a step back of the wall clock', async () => {
    const { port, token } = await serve({ webSocket: { pingIntervalMs: 20, deadAfterMs: 150 } });
    const mute = new Client(port, { token, autoPong: false });
    await mute.opened;
    stepWallClock(-60_000);
    const closed = await Promise.race([mute.closed.then(({ code }) => code), sleep(2000).then(() => 'still open after 2 s')]);
    expect(closed, 'after the wall clock stepped back a minute, a mute client was kept far past the limit').toBe(1006);
  });
});

describe('health and the wall clock', () => {
  it('reports an uptime a step of the wall clock cannot bend', async () => {
    const { port, token } = await serve();
    stepWallClock(-3_600_000);
    const health = JSON.parse((await raw(port, '/api/health', { headers: bearer(token) })).body) as { uptimeSeconds: number };
    expect(health.uptimeSeconds).toBeGreaterThanOrEqual(0);
    expect(health.uptimeSeconds).toBeLessThan(60);
  });
});
