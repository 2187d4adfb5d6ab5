/**
 * A TCP proxy to put between the service and a server (PostgreSQL, Redis) and break the link the ways a
 * network does: cut every connection, refuse new ones (nothing listening: ECONNREFUSED), or stall (a
 * partition: bytes are held, nothing is closed, until it heals).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The target's URL with its host and port replaced by the proxy's. */
  readonly url: string;
  /** Connections opened through the proxy so far. */
  readonly opened: number;
  /** Chunks held back by stall() so far: requests waiting on the link. */
  readonly held: number;
  /** Destroys every open connection on both sides (and the bytes held for them), as a server crash does. */
  cutAll(): void;
  /** Stops listening: new connections are refused until accept(). */
  refuse(): Promise<void>;
  accept(): Promise<void>;
  /** Holds every byte either way (open connections and new ones alike) until heal(). */
  stall(): void;
  heal(): void;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  server: Socket;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** Starts a proxy to `targetUrl`'s host and port (e.g. postgres://user@127.0.0.1:5432/db). */
export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port);
  const links = new Set<Link>();
  let stalled = false;
  let opened = 0;
  const held: (() => void)[] = [];

  /** Forwards from one side to the other, or holds the bytes while stalled. */
  const forward = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (stalled) held.push(() => to.write(chunk));
      else to.write(chunk);
    });

  const server = createServer((client) => {
    opened++;
    const upstream = connect(targetPort, target.hostname);
    const link = { client, server: upstream };
    links.add(link);
    forward(client, upstream);
    forward(upstream, client);
    const end = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  const port = await listen(server, 0);
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);

  const proxy: TcpProxy = {
    url: url.toString(),
    get opened() {
      return opened;
    },
    get held() {
      return held.length;
    },
    cutAll() {
      for (const { client, server: upstream } of links) {
        client.destroy();
        upstream.destroy();
      }
      links.clear();
      held.length = 0;
    },
    // close() stops listening at once; its callback would wait for the open connections to end.
    refuse: async () => void server.close(),
    accept: async () => {
      await listen(server, port);
    },
    stall() {
      stalled = true;
    },
    heal() {
      stalled = false;
      for (const write of held.splice(0)) write();
    },
    async close() {
      proxy.cutAll();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
