import net from 'node:net';

/**
 * A TCP proxy in front of a PostgreSQL server that can stop forwarding, as a stalled server or
 * network looks to its clients: connections stay open, bytes go unanswered, new connections
 * are accepted and never greeted. (SIGSTOP of the real server would do the same, but the
 * server is shared.) It can also go down, as a server that went away looks: connections cut,
 * new ones reset.
 */
export interface StallProxy {
  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string;
  /** Stops forwarding: bytes each way are held back, until resume(). */
  stall(): void;
  resume(): void;
  /** Cuts every connection and resets new ones, until up(). */
  down(): void;
  up(): void;
  /** How many connections clients have opened (refused ones included). */
  attempts(): number;
  close(): Promise<void>;
}

export async function startStallProxy(targetUrl: string): Promise<StallProxy> {
  const target = new URL(targetUrl);
  let stalled = false;
  let isDown = false;
  let attempts = 0;
  const sockets = new Set<net.Socket>();
  const held: (() => void)[] = [];
  const forward = (from: net.Socket, to: net.Socket) =>
    from.on('data', (chunk) => {
      if (stalled) held.push(() => to.write(chunk));
      else to.write(chunk);
    });

  const server = net.createServer((client) => {
    attempts++;
    if (isDown) return client.destroy();
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;

  return {
    urlFor(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const write of held.splice(0)) write();
    },
    down() {
      isDown = true;
      for (const s of sockets) s.destroy();
    },
    up() {
      isDown = false;
    },
    attempts: () => attempts,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
