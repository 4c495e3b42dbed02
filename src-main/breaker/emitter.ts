/**
 * The one typed event emitter of the main side: breakers, the circuit manager, the worker pool, the
 * resource monitor and the engine all announce their events through it, so all of them treat a
 * faulty listener the same way (see `rethrowLater`).
 */

/**
 * What happens to an error thrown by a listener (or by a scheduled task): it is caught, so the code
 * that emitted finishes its bookkeeping and the other listeners still hear the event, and it is
 * thrown again on a microtask, so it still surfaces as an uncaught exception instead of vanishing.
 */
export function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

type AnyListener = (payload: never) => void;

/**
 * Listeners per event name. Each `on` is one registration (the same function added twice is called
 * twice); its returned function removes that registration only, and does nothing the second time.
 * Listeners run in the order they were added. One added or removed during an emit takes effect
 * from the next emit: the lists are copied on write, so an emit walks the list as it began.
 */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, AnyListener[]>();

  on<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): () => void {
    const registered = listener as AnyListener;
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), registered]);
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      const current = this.listeners.get(type) ?? [];
      const at = current.lastIndexOf(registered);
      if (at < 0) return;
      const next = [...current.slice(0, at), ...current.slice(at + 1)];
      // An event nobody listens to leaves no entry, so that `has` stays one map lookup.
      if (next.length) this.listeners.set(type, next);
      else this.listeners.delete(type);
    };
  }

  /** Whether anyone listens to `type`: lets a hot path skip building an event nobody would hear. */
  has(type: keyof Events): boolean {
    return this.listeners.has(type);
  }

  listenerCount(type: keyof Events): number {
    return this.listeners.get(type)?.length ?? 0;
  }

  /** Calls every listener of `type` with `payload`; a listener that throws is handled by `rethrowLater`. */
  emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    const list = this.listeners.get(type);
    if (!list) return;
    for (const listener of list) {
      try {
        (listener as (p: Events[K]) => void)(payload);
      } catch (error) {
        rethrowLater(error);
      }
    }
  }

  /** Removes every listener, of every event. */
  clear(): void {
    this.listeners.clear();
  }
}
