/**
 * A TCP proxy the test controls, between a node and Redis, to cut the node off as a network
 * partition would: on cut() every byte in both directions is dropped (on open connections and on
 * new ones, which connect but hear nothing), so the node's commands hang rather than fail at once.
 * restore() resets the connections held during the cut (as TCP would after its retransmissions
 * gave up) and forwards new ones again.
 */
import { type Server, type Socket, connect, createServer } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Opened during a cut, or open when one began: bytes were dropped, so it cannot be trusted after. */
  tainted: boolean;
}

export class TcpProxy {
  readonly port: number;
  private readonly server: Server;
  private readonly pairs = new Set<Pair>();
  private isCut = false;

  private constructor(server: Server, port: number) {
    this.server = server;
    this.port = port;
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy!.accept(client, targetPort));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  cut(): void {
    this.isCut = true;
    for (const pair of this.pairs) pair.tainted = true;
  }

  restore(): void {
    this.isCut = false;
    for (const pair of this.pairs) if (pair.tainted) this.end(pair);
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.end(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair: Pair = { client, upstream, tainted: this.isCut };
    this.pairs.add(pair);
    client.on('data', (data) => {
      if (!this.isCut && !pair.tainted) upstream.write(data);
    });
    upstream.on('data', (data) => {
      if (!this.isCut && !pair.tainted) client.write(data);
    });
    const end = () => this.end(pair);
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  }

  private end(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream.destroy();
  }
}
