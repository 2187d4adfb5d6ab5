/**
 * A loopback HTTP server standing in for otpgate's public address: it listens first (so PUBLIC_URL is known
 * before the app is built) and hands each request to the app with inject. Providers' replays then call the
 * webhook URL they were given over real HTTP, with no port to guess.
 */
import type { FastifyInstance } from 'fastify';
import { listenOnLoopback, readBody } from './loopback-http.js';

export interface PublicDoor {
  /** http://127.0.0.1:{port}: give it as PUBLIC_URL. */
  origin: string;
  /** Where requests go once the app is built. */
  app: Pick<FastifyInstance, 'inject'> | undefined;
  close(): Promise<void>;
}

export async function openPublicDoor(): Promise<PublicDoor> {
  const door: PublicDoor = { origin: '', app: undefined, close: async () => {} };
  const server = await listenOnLoopback(async (req, res) => {
    const body = await readBody(req);
    if (door.app === undefined) {
      res.writeHead(503).end();
      return;
    }
    const reply = await door.app.inject({
      method: (req.method ?? 'GET') as 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      ...(body === '' ? {} : { payload: body }),
    });
    res.writeHead(reply.statusCode, { 'content-type': reply.headers['content-type'] ?? 'text/plain' });
    res.end(reply.rawPayload);
  });
  door.origin = server.origin;
  door.close = server.close;
  return door;
}
