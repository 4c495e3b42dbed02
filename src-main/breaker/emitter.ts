/** A small typed event emitter: listeners per event name, unsubscribe by the returned function. */
export class TypedEmitter<Events extends object> {
  private readonly listeners = new Map<keyof Events, Array<(payload: never) => void>>();

  on<K extends keyof Events>(type: K, listener: (payload: Events[K]) => void): () => void {
    const list = this.listeners.get(type) ?? [];
    // Copy on write, so that a listener removing itself during emit does not skip its neighbour.
    this.listeners.set(type, [...list, listener as (payload: never) => void]);
    return () => {
      const current = this.listeners.get(type);
      if (!current) return;
      const next = current.filter((l) => l !== listener);
      if (next.length) this.listeners.set(type, next);
      else this.listeners.delete(type);
    };
  }

  has(type: keyof Events): boolean {
    return this.listeners.has(type);
  }

  emit<K extends keyof Events>(type: K, payload: Events[K]): void {
    const list = this.listeners.get(type);
    if (!list) return;
    for (const listener of list) {
      try {
        (listener as (p: Events[K]) => void)(payload);
      } catch (error) {
        // A faulty listener must not break the breaker's bookkeeping; surface it without stopping.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
