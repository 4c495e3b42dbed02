import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../src-main/breaker/index.ts';

interface Events {
  tick: number;
  note: string;
}

/** Collects what surfaces as uncaught while `run` and the microtasks after it happen. */
async function uncaughtDuring(run: () => void): Promise<unknown[]> {
  const thrown: unknown[] = [];
  const onError = (error: unknown) => thrown.push(error);
  process.on('uncaughtException', onError);
  try {
    run();
    await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    process.off('uncaughtException', onError);
  }
  return thrown;
}

describe('TypedEmitter', () => {
  it('calls every listener of a type, in the order added, and no other type', () => {
    const emitter = new TypedEmitter<Events>();
    const heard: string[] = [];
    emitter.on('tick', (n) => heard.push(`a${n}`));
    emitter.on('tick', (n) => heard.push(`b${n}`));
    emitter.on('note', (s) => heard.push(s));
    emitter.emit('tick', 1);
    expect(heard).toEqual(['a1', 'b1']);
  });

  it('keeps a throwing listener from stopping the others, and still surfaces its error afterwards', async () => {
    const emitter = new TypedEmitter<Events>();
    const heard: number[] = [];
    let returned = false;
    emitter.on('tick', () => {
      throw new Error('bad listener');
    });
    emitter.on('tick', (n) => heard.push(n));
    const thrown = await uncaughtDuring(() => {
      emitter.emit('tick', 7);
      returned = true;
      expect(heard).toEqual([7]);
    });
    expect(returned).toBe(true);
    expect(thrown).toEqual([new Error('bad listener')]);
  });

  it('removes one registration per unsubscribe, once, and forgets a type nobody listens to', () => {
    const emitter = new TypedEmitter<Events>();
    const heard: number[] = [];
    const listener = (n: number) => heard.push(n);
    const first = emitter.on('tick', listener);
    emitter.on('tick', listener);
    expect(emitter.listenerCount('tick')).toBe(2);
    first();
    first();
    expect(emitter.listenerCount('tick')).toBe(1);
    emitter.emit('tick', 1);
    expect(heard).toEqual([1]);
    emitter.clear();
    expect(emitter.has('tick')).toBe(false);
    expect(emitter.listenerCount('tick')).toBe(0);
  });

  it('applies listeners added or removed during an emit from the next emit on', () => {
    const emitter = new TypedEmitter<Events>();
    const heard: string[] = [];
    let offB: () => void = () => {};
    const offA = emitter.on('tick', (n) => {
      heard.push(`a${n}`);
      offA();
      offB();
      emitter.on('tick', (m) => heard.push(`c${m}`));
    });
    offB = emitter.on('tick', (n) => heard.push(`b${n}`));
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    expect(heard).toEqual(['a1', 'b1', 'c2']);
    expect(emitter.has('tick')).toBe(true);
  });
});
