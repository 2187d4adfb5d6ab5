/**
 * A loopback replay of the kinds of local gateways the generic HTTP provider talks to:
 * - Kannel's sendsms (GET /cgi-bin/sendsms?username&password&to&text&from): 202 "0: Accepted for delivery",
 *   403 "Authorization failed for sendsms";
 * - a JSON REST gateway (POST /api/messages, Bearer token): 201 {"status":"accepted","message":{"id":...}};
 * - a form gateway (POST /form/send) that answers 200 with a result code, non-zero meaning refused.
 */
import { listenOnLoopback, formFields, readBody, replyJson } from './loopback-http.js';

export const KANNEL_USER = 'otpgate';
export const KANNEL_PASSWORD = 's3cret&pass';
export const GATEWAY_TOKEN = 'gw-token-7d1f';

export interface GatewayRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body text. */
  body: string;
  /** The body as the gateway parsed it (JSON object or form fields). */
  parsed?: unknown;
}

/** As documented, throttled (429 + Retry-After), failing (502) or not answering at all. */
export type GatewayReplayMode = 'normal' | 'throttle' | 'outage' | 'hang';

export interface HttpGatewayReplay {
  origin: string;
  mode: GatewayReplayMode;
  requests: GatewayRequest[];
  /** Recipients (E.164) the form gateway refuses with result code 17. */
  blacklisted: Set<string>;
  close(): Promise<void>;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;

export async function startHttpGatewayReplay(): Promise<HttpGatewayReplay> {
  let nextId = 1000;
  const server = await listenOnLoopback(async (req, res) => {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const request: GatewayRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
    };
    replay.requests.push(request);
    if (replay.mode === 'hang') return;
    if (replay.mode === 'throttle') {
      res.writeHead(429, { 'retry-after': '3', 'content-type': 'text/plain' }).end('Too Many Requests');
      return;
    }
    if (replay.mode === 'outage') {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
      return;
    }

    if (request.method === 'GET' && request.path === '/cgi-bin/sendsms') {
      const { username, password, to, text } = request.query;
      if (username !== KANNEL_USER || password !== KANNEL_PASSWORD) {
        res.writeHead(403, { 'content-type': 'text/html' }).end('Authorization failed for sendsms');
      } else if (!to || !text) {
        res.writeHead(400, { 'content-type': 'text/html' }).end('Missing receiver number');
      } else {
        res.writeHead(202, { 'content-type': 'text/html' }).end('0: Accepted for delivery');
      }
      return;
    }

    if (request.method === 'POST' && request.path === '/api/messages') {
      if (req.headers.authorization !== `Bearer ${GATEWAY_TOKEN}`) {
        replyJson(res, 401, { error: 'unauthorized' });
        return;
      }
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(body) as Record<string, unknown>;
      } catch {
        replyJson(res, 400, { error: 'body is not JSON' });
        return;
      }
      request.parsed = message;
      if (typeof message.to !== 'string' || !E164.test(message.to)) {
        replyJson(res, 422, { error: 'invalid recipient' });
        return;
      }
      replyJson(res, 201, { status: 'accepted', message: { id: `gw-${nextId++}` } });
      return;
    }

    if (request.method === 'POST' && request.path === '/form/send') {
      const form = formFields(body);
      request.parsed = form;
      const to = `+${String(form.to ?? '')}`;
      if (replay.blacklisted.has(to)) {
        replyJson(res, 200, { result: { code: 17, error: 'destination blacklisted' } });
        return;
      }
      replyJson(res, 200, { result: { code: 0, ref: nextId++ } });
      return;
    }

    res.writeHead(404).end();
  });

  const replay: HttpGatewayReplay = {
    origin: server.origin,
    mode: 'normal',
    requests: [],
    blacklisted: new Set(),
    close: server.close,
  };
  return replay;
}
