/**
 * Request ids: a caller's (or its proxy's) `X-Request-ID` is kept when it looks like an id, otherwise a UUID
 * is made; it is echoed on every reply and bound to every log line of the request, so one id finds a request
 * in the caller's logs, the proxy's and ours. A W3C `traceparent` adds its trace id to those log lines.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
/** Printable, no spaces or separators a log or header could be split on; as long as any tracer makes. */
const REQUEST_ID = /^[A-Za-z0-9._:/+=@-]{1,128}$/;
/** version-traceid-parentid-flags; an all-zero trace or parent id is invalid (W3C Trace Context 3.2). */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function requestIdOf(request: IncomingMessage): string {
  const given = single(request.headers[REQUEST_ID_HEADER]);
  return given !== undefined && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The trace id of a well-formed traceparent, for the logs; undefined for none or a malformed one. */
export function traceIdOf(request: IncomingMessage): string | undefined {
  const match = TRACEPARENT.exec(single(request.headers.traceparent)?.trim().toLowerCase() ?? '');
  if (match === null) return undefined;
  const [, version, traceId, parentId] = match;
  if (version === 'ff' || /^0+$/.test(traceId ?? '') || /^0+$/.test(parentId ?? '')) return undefined;
  return traceId;
}
