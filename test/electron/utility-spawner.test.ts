/**
 * Workers as utility processes, on a FAKE of the electron module (fake-electron.ts), not Electron.
 * A UtilityProcess is a Node EventEmitter, so an 'error' event without a listener throws in the main
 * process; Electron emits 'exit' after it whatever happens (UtilityProcess docs, Electron 45).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UtilityWorkerSpawner } from '../../src-main/electron/utility-spawner.ts';
import { FakeUtilityProcess, resetFakeElectron } from './fake-electron.ts';

vi.mock('electron', () => import('./fake-electron.ts'));

let kills: [number, unknown][];
beforeEach(() => {
  resetFakeElectron();
  kills = [];
  // The fake's pids are not real processes: nothing here may signal one for real.
  vi.spyOn(process, 'kill').mockImplementation((pid: number, signal?: string | number) => {
    kills.push([pid, signal]);
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

let spawner: UtilityWorkerSpawner;
beforeEach(() => {
  spawner = new UtilityWorkerSpawner('worker.js');
});

function spawnOne() {
  const handle = spawner.spawn();
  const child = FakeUtilityProcess.forked.at(-1)!;
  const exits: [number | null, string | null][] = [];
  handle.onExit((code, signal) => exits.push([code, signal]));
  return { handle, child, exits };
}

describe('UtilityWorkerSpawner (fake electron, not Electron)', () => {
  it('forks each worker under its own service name, and passes messages both ways', () => {
    const { handle, child } = spawnOne();
    spawnOne();
    expect(child.modulePath).toBe('worker.js');
    expect(FakeUtilityProcess.forked.map((c) => c.forkOptions.serviceName)).toEqual(['StoryCore worker 1', 'StoryCore worker 2']);
    const received: unknown[] = [];
    handle.onMessage((message) => received.push(message));
    child.emit('message', { type: 'pong' });
    handle.send({ type: 'ping' });
    expect(received).toEqual([{ type: 'pong' }]);
    expect(child.messages).toEqual([{ type: 'ping' }]);
    expect(handle.pid).toBe(child.pid);
  });

  it("turns a worker's fatal error into the exit the pool sees, instead of a throw in main", () => {
    const { handle, child, exits } = spawnOne();
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(() => child.emit('error', 'FatalError', 'v8::ToLocalChecked Empty MaybeLocal', '{"header":{}}')).not.toThrow();
    expect(stderr.mock.calls.flat().join(' ')).toMatch(/FatalError.*v8::ToLocalChecked/);
    // Ended for sure: a worker stuck writing its report must not linger.
    expect(kills).toEqual([[child.pid, 'SIGKILL']]);
    // Nothing more goes to a worker that is going down.
    handle.send({ type: 'ping' });
    expect(child.messages).toEqual([]);
    child.emit('exit', 134); // Electron: 'exit' follows 'error'
    expect(exits).toEqual([[134, null]]);
  });

  it('reports one exit however many times the process says it ended', () => {
    const { child, exits } = spawnOne();
    child.emit('exit', 0);
    child.emit('exit', 0);
    expect(exits).toEqual([[0, null]]);
  });

  it('kills by pid with SIGKILL, falls back to kill() when that fails, and does nothing after exit', () => {
    const { handle, child } = spawnOne();
    handle.kill();
    expect(kills).toEqual([[child.pid, 'SIGKILL']]);
    vi.mocked(process.kill).mockImplementation(() => {
      throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
    });
    handle.kill();
    expect(child.killed).toBe(true);
    child.emit('exit', 9);
    child.killed = false;
    handle.kill();
    expect(child.killed).toBe(false);
  });
});
