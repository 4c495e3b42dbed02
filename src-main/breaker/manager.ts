import { CircuitBreaker, type BreakerOptions } from './breaker.ts';
import { type CircuitBreakerConfig, describeDifference, normalizeConfig, snapshotEquals } from './config.ts';
import { TypedEmitter } from './emitter.ts';
import type { BreakerEvents, CircuitEvent, CircuitStats, ConfigSnapshot } from './types.ts';

export interface ManagerOptions extends BreakerOptions {
  /** Circuits created up front, for example SEED_CIRCUITS. */
  circuits?: Record<string, CircuitBreakerConfig>;
}

/** Owns every breaker of a process: one place to create, configure, stop, reset and watch them. */
export class CircuitManager {
  private readonly breakers = new Map<string, CircuitBreaker>();
  /** The one stream: a single event name, `event`, that carries every breaker's events. */
  private readonly stream = new TypedEmitter<{ event: CircuitEvent }>();
  private readonly options: BreakerOptions;
  private readonly fanOut = (event: CircuitEvent) => this.stream.emit('event', event);

  constructor(options: ManagerOptions = {}) {
    const { circuits, ...breakerOptions } = options;
    this.options = breakerOptions;
    for (const [name, config] of Object.entries(circuits ?? {})) this.getBreaker(name, config);
  }

  /**
   * Gets a circuit, creating it when a config is given. Asking again with a different config throws:
   * a second config silently ignored is how the original lost its settings. Use configure() instead.
   */
  getBreaker(name: string, config?: CircuitBreakerConfig): CircuitBreaker {
    const existing = this.breakers.get(name);
    if (existing) {
      if (config) {
        const { isFailure, ...wanted } = normalizeConfig(name, config);
        const sameClassifier = isFailure === undefined || isFailure === existing.failureClassifier;
        if (!snapshotEquals(existing.config, wanted) || !sameClassifier) {
          const difference = describeDifference(existing.config, wanted) || 'a different isFailure';
          throw new Error(
            `Circuit "${name}" already exists with another config (${difference}); call configure("${name}", patch) to change it live`,
          );
        }
      }
      return existing;
    }
    if (!config) {
      throw new Error(`Unknown circuit "${name}": known circuits are ${this.names().join(', ') || 'none'}; pass a config to create it`);
    }
    const breaker = new CircuitBreaker(name, config, this.options);
    if (this.stream.has('event')) breaker.setSink(this.fanOut);
    this.breakers.set(name, breaker);
    return breaker;
  }

  has(name: string): boolean {
    return this.breakers.has(name);
  }

  names(): string[] {
    return [...this.breakers.keys()];
  }

  /** Changes a circuit's config live; the breaker emits config_change with the old and new values. */
  configure(name: string, patch: Partial<ConfigSnapshot>): { from: ConfigSnapshot; to: ConfigSnapshot } {
    return this.getBreaker(name).configure(patch);
  }

  /** The emergency stop: every circuit forced open; unless `abort: false`, every running call aborted. */
  forceOpenAll(reason: string, options: { abort?: boolean } = {}): void {
    const abort = options.abort ?? true;
    for (const breaker of this.breakers.values()) breaker.forceOpen(reason, { abort });
  }

  /** Reset: every circuit re-armed (closed). Restarts nothing. */
  forceCloseAll(reason = 'reset'): void {
    for (const breaker of this.breakers.values()) breaker.forceClose(reason);
  }

  stats(): Record<string, CircuitStats> {
    const out: Record<string, CircuitStats> = {};
    for (const [name, breaker] of this.breakers) out[name] = breaker.stats();
    return out;
  }

  /** The one stream of every breaker's events, each tagged with `type` and `circuit`. */
  subscribe(listener: (event: CircuitEvent) => void): () => void {
    const unsubscribe = this.stream.on('event', listener);
    if (this.stream.listenerCount('event') === 1) for (const b of this.breakers.values()) b.setSink(this.fanOut);
    return () => {
      unsubscribe();
      if (!this.stream.has('event')) for (const b of this.breakers.values()) b.setSink(undefined);
    };
  }

  /** One kind of event from every breaker. */
  on<K extends keyof BreakerEvents>(type: K, listener: (payload: BreakerEvents[K]) => void): () => void {
    return this.subscribe((event) => {
      if (event.type === type) listener(event as unknown as BreakerEvents[K]);
    });
  }
}
