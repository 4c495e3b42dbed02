/**
 * Connections to the farm's Redis. Two kinds: BullMQ's (its workers and event readers block on Redis
 * and must wait out a lost connection, never fail a command for want of one) and probes (heartbeats,
 * the lease watchdog, the coordinator's look-ups), which must fail fast, so that silence from Redis
 * is seen as silence instead of a command queued for ever.
 */
import { Redis } from 'ioredis';

export class FarmUrlError extends Error {}

/** A farm is named by `redis://HOST:PORT` (a database number may follow: `/2`). */
export function parseFarmUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new FarmUrlError(`--farm ${text}: not a URL; expected redis://HOST:PORT, for example redis://127.0.0.1:6379`);
  }
  if (url.protocol !== 'redis:') throw new FarmUrlError(`--farm ${text}: the farm's address starts with redis:// (got ${url.protocol}//)`);
  if (!url.hostname || !url.port) throw new FarmUrlError(`--farm ${text}: name the host and the port, as redis://HOST:PORT`);
  if (url.pathname && url.pathname !== '/' && !/^\/\d{1,2}$/.test(url.pathname)) throw new FarmUrlError(`--farm ${text}: the only path allowed is a database number, as /2`);
  return url.toString();
}

/** The farm's address as it may be printed: a password in it is masked. */
export function farmAddress(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

export interface FarmConnectionOptions {
  /** Shown by Redis's CLIENT LIST, so an operator can tell the farm's connections apart. */
  name: string;
  /** A probe fails its commands while disconnected and after this long without an answer. */
  probeTimeoutMs?: number;
  /** Connection errors, at most one per 5 s per connection (ioredis retries on its own). */
  onError?: (message: string) => void;
}

export function farmConnection(url: string, options: FarmConnectionOptions): Redis {
  const probe = options.probeTimeoutMs !== undefined;
  const client = new Redis(url, {
    connectionName: options.name,
    lazyConnect: true,
    connectTimeout: 5000,
    // Reconnect soon after a cut: a node that rejoins should take work again within a few seconds.
    retryStrategy: (times) => Math.min(100 * times, 1000),
    ...(probe ? { enableOfflineQueue: false, commandTimeout: options.probeTimeoutMs, maxRetriesPerRequest: 1 } : { maxRetriesPerRequest: null }),
  });
  let lastReport = -Infinity;
  client.on('error', (error: Error) => {
    const now = performance.now();
    if (now - lastReport < 5000) return;
    lastReport = now;
    options.onError?.(`${options.name}: ${error.message}`);
  });
  return client;
}

/** Connects, or throws naming the address, within timeoutMs. */
export async function connectOrThrow(client: Redis, url: string, timeoutMs = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([client.connect(), late]);
  } catch (error) {
    client.disconnect();
    throw new FarmUrlError(`cannot reach the farm's Redis at ${farmAddress(url)}: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}
